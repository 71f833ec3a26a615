/** The serial-port list both the firmware panel and the console show: GET /api/ports into a <select>. */
import { send as call } from './api.js';

export function portLabel(port) {
  if (port.simulated) return 'Simulated ESP32-CAM';
  const name = port.product || port.manufacturer || port.bridgeLabel;
  return `${port.byId ? port.byId.split('/').pop() : port.path} — ${name}`;
}

/** Fills `select` with the service's ports (keeping the choice when it is still there) and returns them. */
export async function loadPortsInto(select) {
  const { ports } = await call('/api/ports', { headers: { accept: 'application/json' } });
  const chosen = select.value;
  select.replaceChildren(...(ports.length ? ports : [null]).map((port) => {
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
  }));
  if (ports.some((p) => p.path === chosen)) select.value = chosen;
  return ports;
}
