/**
 * xterm.js styles its terminal through <style> elements it creates itself, which a CSP without
 * 'unsafe-inline' blocks. The service gives each page load a nonce (on the stylesheet link; browsers hide
 * the attribute but keep the property), and every <style> created from here on carries it. It must be set
 * at creation, before insertion: a nonce added later leaves the sheet unapplied. Imported first by app.js.
 */
const nonce = document.querySelector('link[rel="stylesheet"][nonce]')?.nonce ?? '';
if (nonce) {
  const createElement = Document.prototype.createElement;
  Document.prototype.createElement = function createElementWithNonce(name, options) {
    const element = createElement.call(this, name, options);
    if (String(name).toLowerCase() === 'style') element.setAttribute('nonce', nonce);
    return element;
  };
}
