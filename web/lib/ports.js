/** The serial-port list both the firmware panel and the console show: GET /api/ports into a <select>. */
import { send as call } from './api.js';

/** The round-arrow button beside a port list; its id and test id are `${prefix}-refresh`. */
export function refreshButtonHtml(prefix) {
  return `<button type="button" class="secondary fw-refresh" id="${prefix}-refresh" data-testid="${prefix}-refresh" aria-label="Look for ports again" title="Look for ports again">
          <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path fill="currentColor" d="M12 4a8 8 0 0 1 7.4 5H17v2h6V5h-2v2.3A10 10 0 1 0 22 12h-2a8 8 0 1 1-8-8Z"/></svg>
        </button>`;
}

/** The open camera's serial port, chosen in every port list that has not been given another choice. */
let preferred = null;
const lists = new Set();

export function setPreferredPort(path) {
  preferred = path ?? null;
  for (const select of lists) {
    if (preferred && [...select.options].some((o) => o.value === preferred)) select.value = preferred;
  }
}

export function portLabel(port) {
  if (port.simulated) return `Simulated ESP32-CAM (${port.path})`;
  const name = port.product || port.manufacturer || port.bridgeLabel;
  return `${port.byId ? port.byId.split('/').pop() : port.path} — ${name}`;
}

/** Fills `select` with the service's ports (keeping the choice when it is still there) and returns them. */
export async function loadPortsInto(select) {
  const { ports } = await call('/api/ports', { headers: { accept: 'application/json' } });
  const chosen = select.value;
  select.replaceChildren(
    ...(ports.length ? ports : [null]).map((port) => {
      const option = document.createElement('option');
      if (!port) {
        option.value = '';
        option.textContent = 'No serial ports found';
        return option;
      }
      option.value = port.path;
      option.textContent = portLabel(port);
      option.dataset.simulated = String(Boolean(port.simulated));
      return option;
    }),
  );
  lists.add(select);
  if (ports.some((p) => p.path === chosen)) select.value = chosen;
  else if (preferred && ports.some((p) => p.path === preferred)) select.value = preferred;
  return ports;
}
