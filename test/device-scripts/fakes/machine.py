# Test double of freshev's `machine` module: records what the slave script does to the hardware and
# lets a test play the I2C master by calling I2C.receive().

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

reset_cause_value = PWRON_RESET
pin_writes = []      # (pin id, 0/1) in order
wdt_feeds = 0
wdt_timeouts = []    # timeout of each WDT(...) call
timers = []
i2cs = []
bus_in_use = set()   # bus ids whose driver is installed; a soft reset keeps them
deinit_all_calls = 0


def reset_cause():
    return reset_cause_value


class Pin:
    IN = 1
    OUT = 3

    def __init__(self, pin_id, mode=-1, pull=-1, value=None):
        self.id = pin_id
        self.mode = mode
        self.v = 0
        if value is not None:
            self.value(value)

    def value(self, v=None):
        if v is None:
            return self.v
        self.v = 1 if v else 0
        pin_writes.append((self.id, self.v))

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)


class WDT:
    def __init__(self, id=0, timeout=5000):
        wdt_timeouts.append(timeout)

    def feed(self):
        global wdt_feeds
        wdt_feeds += 1


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, timer_id):
        self.id = timer_id
        self.mode = None
        self.period = None
        self.callback = None
        self.active = False
        self.inits = 0
        timers.append(self)

    def init(self, mode=PERIODIC, period=-1, callback=None, freq=None):
        self.mode = mode
        self.period = period
        self.callback = callback
        self.active = True
        self.inits += 1

    def deinit(self):
        self.active = False

    def fire(self):
        # The real timer schedules its callback between bytecodes; the test fires it by hand.
        if self.active:
            self.callback(self)


class I2C:
    MASTER = 0
    SLAVE = 1

    def __init__(self, id=-1, mode=-1, freq=-1, scl=None, sda=None, slave_addr=-1, slave_rbuflen=-1,
                 slave_wbuflen=-1, **extra):
        if id in bus_in_use:
            raise OSError('I2C bus already used')
        bus_in_use.add(id)
        self.kwargs = {'id': id, 'mode': mode, 'freq': freq, 'scl': scl, 'sda': sda,
                       'slave_addr': slave_addr, 'slave_rbuflen': slave_rbuflen,
                       'slave_wbuflen': slave_wbuflen}
        self.wbuflen = slave_wbuflen if slave_wbuflen > 0 else 0
        self.cb = None
        self.cbdata = b''
        self.sent = []       # each setdata() call's bytes, in order
        i2cs.append(self)

    @staticmethod
    def deinit_all():
        global deinit_all_calls
        deinit_all_calls += 1
        bus_in_use.clear()

    def callback(self, fn):
        # freshev accepts only a plain function or a bound method here (no closure, no callable object).
        if type(fn).__name__ not in ('function', 'bound_method'):
            raise ValueError('Function argument required')
        self.cb = fn

    def getcbdata(self):
        return self.cbdata

    def setdata(self, buf, offset):
        if self.wbuflen == 0:
            raise ValueError('Write buffer length = 0')
        data = bytes(buf)
        if len(data) > self.wbuflen:
            return False     # the firmware refuses a write larger than the ring at once
        self.sent.append(data)
        return True

    def receive(self, data):
        # What freshev's slave task does: keep the chunk for getcbdata(), then run the callback.
        self.cbdata = bytes(data)
        self.cb(self)
