/** The red box a panel shows a service error in: message, code, and the hint saying what to do. */
import { asSentence } from './format.js';

export function errorBoxHtml(prefix) {
  return `<div class="error" id="${prefix}-error" data-testid="${prefix}-error" role="alert" hidden>
    <p class="error-message"><strong id="${prefix}-error-message" data-testid="${prefix}-error-message"></strong> <code id="${prefix}-error-code" data-testid="${prefix}-error-code"></code></p>
    <p class="error-hint" id="${prefix}-error-hint" data-testid="${prefix}-error-hint"></p>
  </div>`;
}

export function errorBox(root, prefix) {
  const $ = (id) => root.querySelector(`#${prefix}-${id}`);
  const box = $('error');
  return {
    show(err) {
      $('error-message').textContent = err.message || 'Something went wrong';
      $('error-code').textContent = err.code || '';
      $('error-hint').textContent = asSentence(err.hint);
      $('error-hint').hidden = !err.hint;
      box.dataset.code = err.code || '';
      box.hidden = false;
    },
    hide() {
      box.hidden = true;
    },
  };
}
