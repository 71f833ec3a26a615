# Test double of the `esp32` module's NVS: one store shared by every NVS object, as the flash partition is,
# with a switch that makes every call fail the way a missing or broken NVS partition does.

# What MicroPython's check_esp_err raises for ESP_ERR_NVS_NOT_FOUND (0x1102): OSError(-code, name).
NOT_FOUND = -0x1102

store = {}           # (namespace, key) -> int, committed or not
committed = {}       # what commit() made durable
broken = None        # an OSError every call raises while set
commits = 0


class NVS:
    def __init__(self, namespace):
        if broken is not None:
            raise broken
        self.ns = namespace

    def get_i32(self, key):
        if broken is not None:
            raise broken
        if (self.ns, key) not in store:
            raise OSError(NOT_FOUND, 'ESP_ERR_NVS_NOT_FOUND')
        return store[(self.ns, key)]

    def set_i32(self, key, value):
        if broken is not None:
            raise broken
        store[(self.ns, key)] = value

    def commit(self):
        global commits
        if broken is not None:
            raise broken
        commits += 1
        committed.update(store)
