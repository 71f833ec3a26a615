# `esp32` for the simulated ESP32-CAM: its NVS class, as MicroPython's ports/esp32/esp32_nvs.c wraps ESP-IDF's
# nvs_* calls. Every failure is what check_esp_err raises there: OSError(-esp_err, 'ESP_ERR_...'), so a key
# that was never set raises OSError(-0x1102, 'ESP_ERR_NVS_NOT_FOUND') (not ENOENT).
#
# The store lives on the host for the life of the simulated board, so it survives chip and soft resets as the
# nvs partition does. What the host keeps is what commit() handed it: a write that was never committed is gone
# after a reset (ESP-IDF only promises durability after nvs_commit), though this boot reads it back at once.
import json
import binascii
import _simhw as hw

_NOT_FOUND = 0x1102
_TYPE_MISMATCH = 0x1103
_INVALID_LENGTH = 0x110C
_KEY_TOO_LONG = 0x1109
_NAMES = {
    _NOT_FOUND: 'ESP_ERR_NVS_NOT_FOUND',
    _TYPE_MISMATCH: 'ESP_ERR_NVS_TYPE_MISMATCH',
    _INVALID_LENGTH: 'ESP_ERR_NVS_INVALID_LENGTH',
    _KEY_TOO_LONG: 'ESP_ERR_NVS_KEY_TOO_LONG',
}
_NAME_MAX = 15  # NVS_KEY_NAME_MAX_SIZE - 1, for keys and namespaces alike

# {namespace: {key: ['i32', int] or ['blob', hex]}}: the host's copy, then this boot's writes on top.
_store = json.loads(hw.nvs_seed())


def _fail(code):
    raise OSError(-code, _NAMES[code])


def _check_name(name):
    if not isinstance(name, str):
        raise TypeError("can't convert to str implicitly")
    if len(name) > _NAME_MAX:
        _fail(_KEY_TOO_LONG)


class NVS:
    def __init__(self, namespace):
        # nvs_open(NVS_READWRITE) creates a namespace that does not exist yet.
        _check_name(namespace)
        self._ns = _store.setdefault(namespace, {})

    def _get(self, key, kind):
        _check_name(key)
        entry = self._ns.get(key)
        if entry is None:
            _fail(_NOT_FOUND)
        if entry[0] != kind:
            _fail(_TYPE_MISMATCH)
        return entry[1]

    def get_i32(self, key):
        return self._get(key, 'i32')

    def set_i32(self, key, value):
        _check_name(key)
        v = int(value) & 0xFFFFFFFF  # mp_obj_get_int into an int32_t
        self._ns[key] = ['i32', v - 0x100000000 if v & 0x80000000 else v]

    def get_blob(self, key, buffer):
        data = binascii.unhexlify(self._get(key, 'blob'))
        if len(data) > len(buffer):
            _fail(_INVALID_LENGTH)
        buffer[:len(data)] = data
        return len(data)

    def set_blob(self, key, value):
        _check_name(key)
        if isinstance(value, str):
            value = value.encode()
        self._ns[key] = ['blob', binascii.hexlify(bytes(value)).decode()]

    def erase_key(self, key):
        _check_name(key)
        if key not in self._ns:
            _fail(_NOT_FOUND)
        del self._ns[key]

    def commit(self):
        hw.nvs_commit(json.dumps(_store))

    def __repr__(self):
        return '<NVS namespace>'
