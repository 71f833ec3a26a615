# `machine` for the simulated ESP32-CAM, following freshev's ports/esp32 (machine_i2c.c, machine_wdt.c,
# modmachine.c, machine_pin.c, machine_timer.c): same defaults, same limits, same error messages.
import binascii
import uctypes
import _simhw as hw
import _sim_core as core

# modmachine.c: MP_PWRON_RESET = 1 and the rest in order
PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5

WAKE_REASON_UNDEFINED = 0


def reset():
    # esp_restart(): the ROM reports ESP_RST_SW, which modmachine.c maps to HARD_RESET.
    hw.reboot('HARD_RESET', 0)


def soft_reset():
    # pyexec's PYEXEC_FORCED_EXIT: the VM ends with "MPY: soft reboot"
    hw.reboot('SOFT_RESET', 0)


def deepsleep(ms=0):
    hw.reboot('DEEPSLEEP_RESET', ms)


def lightsleep(ms=0):
    core.sleep_ms(ms)


def reset_cause():
    return hw.reset_cause()


def wake_reason():
    return 0


def unique_id():
    return binascii.unhexlify(hw.unique_id_hex())


_freq = 160000000


def freq(hz=None):
    global _freq
    if hz is None:
        return _freq
    mhz = hz // 1000000
    if mhz not in (20, 40, 80, 160, 240):
        raise ValueError('frequency must be 20MHz, 40MHz, 80Mhz, 160MHz or 240MHz')
    _freq = mhz * 1000000


def idle():
    # Waits for the next interrupt; the FreeRTOS tick (1 ms) is the slowest one.
    core.sleep_ms(1)


def disable_irq():
    return 0


def enable_irq(state=0):
    pass


def _pin_id(p):
    if isinstance(p, Pin):
        return p._id
    if isinstance(p, int):
        return p
    raise ValueError('invalid pin')


class Pin:
    # machine_pin.c: the constants are ESP-IDF's gpio_mode_t / pull values
    IN = 1
    OUT = 3
    OPEN_DRAIN = 7
    PULL_DOWN = 1
    PULL_UP = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2
    WAKE_LOW = 4
    WAKE_HIGH = 5

    _levels = {}
    _since = {}  # when each pin last changed level, in ms since reset (the camera reads the flash LED's)

    def __init__(self, id, mode=-1, pull=-1, value=None):
        if not isinstance(id, int) or id < 0 or id > 39:
            raise ValueError('invalid pin')
        self._id = id
        self.init(mode, pull, value)

    def init(self, mode=-1, pull=-1, value=None):
        if mode != -1:
            self._mode = mode
        elif not hasattr(self, '_mode'):
            self._mode = Pin.IN
        if value is not None:
            self._set(1 if value else 0)

    def _set(self, v):
        if Pin._levels.get(self._id) != v:
            Pin._levels[self._id] = v
            Pin._since[self._id] = hw.now_ms()
            hw.pin(self._id, v)

    def value(self, v=None):
        if v is None:
            return Pin._levels.get(self._id, 0)
        self._set(1 if v else 0)

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self._set(1)

    def off(self):
        self._set(0)

    def irq(self, handler=None, trigger=3, wake=None):
        return None

    def __repr__(self):
        return 'Pin(%d)' % self._id


class WDT:
    # machine_wdt.c: one task watchdog shared by every WDT object; it cannot be stopped, and a new
    # WDT(...) reconfigures its timeout.
    def __init__(self, id=0, timeout=5000):
        if id != 0:
            raise ValueError()
        if timeout <= 0:
            raise ValueError('WDT timeout too short')
        hw.wdt_start(timeout)

    def feed(self):
        hw.wdt_feed()


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1

    def __init__(self, id, **kwargs):
        self._id = id
        self._cb = None
        self._period = 0
        self._mode = Timer.PERIODIC
        self._next = 0
        if kwargs:
            self.init(**kwargs)

    def init(self, mode=1, callback=None, period=-1, freq=-1, tick_hz=1000):
        if freq > 0:
            period = 1000 / freq
        elif period > 0 and tick_hz != 1000:
            period = period * 1000 / tick_hz
        if period < 0:
            period = 0
        self._mode = mode
        self._cb = callback
        self._period = period
        self._next = hw.now_ms() + period
        core.add_timer(self)

    def deinit(self):
        core.remove_timer(self)

    def value(self):
        return 0

    def _due(self, now):
        if now < self._next:
            return
        if self._mode == Timer.PERIODIC and self._period > 0:
            while self._next <= now:
                self._next += self._period
        else:
            core.remove_timer(self)
        if self._cb is not None:
            core.schedule(self._cb, self)

    def __repr__(self):
        return 'Timer(%d)' % self._id


# --- I2C, the freshev way -------------------------------------------------------------------------
# machine_i2c.c constants. The mode values are ESP-IDF's i2c_mode_t (SLAVE = 0, MASTER = 1).
_SLAVE_ADDR_DEFAULT = 44
_SLAVE_BUF_DEFAULT = 256
_SLAVE_BUF_MAX = 0x1000
# i2c_used[]: the mode installed on each bus, -1 when free. freshev's main.c leaves machine_i2c_init0()
# commented out, so a driver installed before a soft reset is still there after it.
_used = [int(m) for m in hw.i2c_state().split(',')]
_rx_scratch = bytearray(64)  # where the JS side puts each delivery from the bus (I2C._poll)


def _set_used(bus, mode):
    _used[bus] = mode
    hw.i2c_mode(bus, mode)


class I2C:
    MASTER = 1
    SLAVE = 0
    READ = 1
    WRITE = 0

    def __init__(self, id=-1, mode=-1, *, speed=-1, freq=-1, sda=None, scl=None, slave_addr=-1,
                 slave_rbuflen=-1, slave_wbuflen=-1, slave_busy=-1):
        bus = 0 if id < 0 else id
        spd = freq if freq > 0 else speed
        if spd < 0:
            spd = 100000
        if bus < 0 or bus > 1:
            raise OSError('I2C bus not available')
        if _used[bus] >= 0:
            raise OSError('I2C bus already used')
        if mode < 0:
            mode = I2C.MASTER
        if mode != I2C.MASTER and mode != I2C.SLAVE:
            raise ValueError('MASTER or SLAVE mode must be selected')
        if sda is None or scl is None:
            raise ValueError('sda & scl must be given')
        self._bus = bus
        self._mode = mode
        self._speed = spd
        self._sda = _pin_id(sda)
        self._scl = _pin_id(scl)
        self._addr = 0
        self._rbuflen = 0
        self._wbuflen = 0
        self._cb = None
        self._task = False
        self._cbdata = b''
        self._unread = b''  # bytes received before the slave task runs (no callback() yet)
        if mode == I2C.SLAVE:
            if slave_addr > 0:
                if slave_addr < 0x08 or slave_addr > 0x77:
                    raise ValueError('Wrong i2c address (0x08 - 0x77 allowed)')
                self._addr = slave_addr
            else:
                self._addr = _SLAVE_ADDR_DEFAULT
            if _SLAVE_BUF_DEFAULT <= slave_rbuflen <= _SLAVE_BUF_MAX:
                self._rbuflen = slave_rbuflen
            else:
                self._rbuflen = _SLAVE_BUF_DEFAULT
            self._wbuflen = slave_wbuflen if slave_wbuflen > 0 else 0
            if slave_busy == 1 and self._wbuflen == 0:
                self._wbuflen = 1
            hw.slave_up(bus, self._addr, self._rbuflen, self._wbuflen)
            core.add_poller(self._poll)
        _set_used(bus, mode)

    def _check_slave(self):
        if self._mode != I2C.SLAVE:
            raise ValueError('I2C not in SLAVE mode)')

    def _check_master(self):
        if self._mode != I2C.MASTER:
            raise ValueError('I2C not in MASTER mode)')

    def _poll(self):
        # The slave task: each delivery from the bus becomes the callback data and schedules the
        # callback, exactly once per delivery (merged writes arrive as one delivery).
        global _rx_scratch
        while True:
            n = hw.rx_next_len(self._addr)
            if n < 0:
                return
            # Copied into a buffer kept between deliveries: see _sim_camera.capture for why.
            if len(_rx_scratch) < n:
                _rx_scratch = bytearray(max(n, 2 * len(_rx_scratch)))
            at = uctypes.addressof(_rx_scratch)
            hw.rx_take(self._addr, at)
            data = uctypes.bytes_at(at, n)
            if not self._task:
                self._unread = (self._unread + data)[:self._rbuflen]
                continue
            self._cbdata = data
            if self._cb is not None:
                core.schedule(self._cb, self)

    def _start_task(self):
        self._task = True
        hw.slave_task(self._bus)
        if self._unread:
            self._cbdata = self._unread[:self._rbuflen]
            self._unread = b''
            if self._cb is not None:
                core.schedule(self._cb, self)

    def callback(self, func):
        self._check_slave()
        if func is not None and not callable(func):
            raise ValueError('Function argument required')
        self._cb = func
        if not self._task:
            # xTaskCreate(i2c_slave_task) then vTaskDelay(100 ms), with the VM blocked meanwhile
            core.block_ms(100)
            self._start_task()
        return None

    def getcbdata(self):
        self._check_slave()
        core.poll_hardware()
        return bytes(self._cbdata)

    def getdata(self, addr, length):
        self._check_slave()
        if length < 1 or length > self._rbuflen:
            raise ValueError('Length out of range')
        if addr >= self._rbuflen:
            raise ValueError('Address not in slave data buffer')
        if addr + length > self._rbuflen:
            raise ValueError('Data outside buffer')
        core.poll_hardware()
        data = self._unread[:length]
        self._unread = self._unread[length:]
        return data

    def setdata(self, buf, addr=0):
        self._check_slave()
        if self._wbuflen == 0:
            raise ValueError("Write buffer length = 0. Use 'slave_wbuflen = value' in I2C constructor.")
        # Any buffer, as the driver takes it; copied by the JS side straight from the script's memory.
        data = buf if isinstance(buf, (bytes, bytearray, memoryview)) else bytes(buf)
        if _used[self._bus] != I2C.SLAVE:
            return False  # the driver was deleted: i2c_slave_write_buffer fails
        return hw.tx_write(self._bus, uctypes.addressof(data), len(data))

    def resetbusy(self):
        self._check_slave()
        return True

    def deinit(self):
        if _used[self._bus] >= 0:
            _set_used(self._bus, -1)
            if self._mode == I2C.SLAVE:
                hw.slave_down(self._bus)
        core.remove_poller(self._poll)
        self._task = False

    @staticmethod
    def deinit_all():
        for b in range(2):
            if _used[b] >= 0:
                was = _used[b]
                _set_used(b, -1)
                if was == I2C.SLAVE:
                    hw.slave_down(b)
        core._pollers.clear()

    def scan(self):
        self._check_master()
        return []  # nothing else is wired to the simulated board's bus

    def is_ready(self, addr):
        self._check_master()
        return False

    def __repr__(self):
        if _used[self._bus] < 0:
            return 'I2C (Deinitialized)'
        if self._mode == I2C.MASTER:
            return 'I2C (Port=%u, Mode=MASTER, Speed=%u Hz, sda=%d, scl=%d)' % (
                self._bus, self._speed, self._sda, self._scl)
        return ('I2C (Port=%u, Mode=SLAVE, Speed=%u Hz, sda=%d, scl=%d, addr=%d, read_buffer=%d B, '
                'write_buffer=%d B)') % (self._bus, self._speed, self._sda, self._scl, self._addr,
                                         self._rbuflen, self._wbuflen)
