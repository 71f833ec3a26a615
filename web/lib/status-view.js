import { asSentence, formatAddress, formatBytes, formatDuration, formatTaken, formatUptime } from './format.js';

const $ = (id) => document.getElementById(id);

const PROTOCOL_NAMES = { v2: 'esp32cam/2', legacy: 'Legacy (100-byte slices)' };

/** A simulated board must never be mistaken for real hardware, so the label says so in words. */
export function cameraLabel(camera) {
  return camera.simulated ? 'Simulated ESP32-CAM' : 'ESP32-CAM on I2C';
}

function busText(camera) {
  if (camera.simulated) return 'Simulated I2C bus';
  if (Number.isInteger(camera.bus)) return `I2C bus ${camera.bus} (/dev/i2c-${camera.bus})`;
  return camera.spec || '–';
}

function protocolText(camera) {
  if (camera.protocol) {
    const name = PROTOCOL_NAMES[camera.protocol] ?? camera.protocol;
    return camera.firmware ? `${name} · ${camera.firmware}` : name;
  }
  return camera.protocolSetting === 'legacy' ? 'Legacy (forced)' : 'Detected at the first capture';
}

/** `online` is null until the service has talked to the camera once. */
function onlineState(camera) {
  if (camera.online === true) return { key: 'true', text: camera.busy ? 'Online · capturing' : 'Online' };
  if (camera.online === false) return { key: 'false', text: 'Offline' };
  return { key: 'unknown', text: 'Not contacted yet' };
}

function renderLastError(el, lastError) {
  el.replaceChildren();
  el.classList.toggle('has-error', Boolean(lastError));
  if (!lastError) {
    el.textContent = 'None';
    return;
  }
  const msg = document.createElement('span');
  msg.textContent = `${lastError.message} (${lastError.code})`;
  el.append(msg);
  if (lastError.hint) {
    const hint = document.createElement('span');
    hint.className = 'hint';
    hint.textContent = asSentence(lastError.hint);
    el.append(hint);
  }
  if (lastError.at) {
    const at = document.createElement('time');
    at.className = 'when';
    at.dateTime = lastError.at;
    at.textContent = formatTaken(lastError.at);
    el.append(at);
  }
}

/** The MQTT bridge, in a row added after the uptime; only /api/status carries it, so a socket update keeps the last. */
function renderMqtt(mqtt) {
  if (!mqtt) return;
  let dd = $('status-mqtt');
  if (!dd) {
    const dt = Object.assign(document.createElement('dt'), { textContent: 'MQTT' });
    dd = Object.assign(document.createElement('dd'), { id: 'status-mqtt' });
    $('status-uptime').after(dt, dd);
  }
  dd.dataset.state = mqtt.enabled ? mqtt.state : 'off';
  const why = mqtt.lastError ? `: ${mqtt.lastError.message}` : '';
  if (!mqtt.enabled) dd.textContent = 'Off';
  else if (mqtt.state === 'connected') dd.textContent = `Connected to ${mqtt.broker} as ${mqtt.hostId}`;
  else dd.textContent = `Not connected to ${mqtt.broker}${why}; retrying`;
}

/** Shows the camera's state from an /api/status body (also pushed as the socket's `status` event). */
export function renderStatus(status) {
  const camera = status.camera ?? {};
  const kind = $('camera-kind');
  kind.textContent = cameraLabel(camera);
  kind.dataset.simulated = String(Boolean(camera.simulated));

  const online = onlineState(camera);
  const onlineEl = $('camera-online');
  onlineEl.dataset.online = online.key;
  onlineEl.textContent = online.text;

  $('status-kind').textContent = camera.simulated ? 'Simulated (MicroPython in WebAssembly)' : 'Real board';
  $('status-bus').textContent = busText(camera);
  $('status-address').textContent = formatAddress(camera.address);
  $('status-protocol').textContent = protocolText(camera);
  $('status-ping').textContent = Number.isFinite(camera.lastRoundTripMs) ? formatDuration(camera.lastRoundTripMs) : '–';

  const store = status.store;
  $('status-store').textContent = store
    ? `${store.photos} photo${store.photos === 1 ? '' : 's'}, ${formatBytes(store.bytes)} of ${formatBytes(store.maxBytes)}`
    : '–';
  $('status-uptime').textContent = formatUptime(status.uptimeS);
  renderMqtt(status.mqtt);
  renderLastError($('status-error'), camera.lastError);

  if (status.version) $('version').textContent = `esp32cam-host ${status.version}`;
}
