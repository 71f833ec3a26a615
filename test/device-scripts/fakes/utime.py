# Test double of `utime`: a clock the test sets, and a record of every sleep, so a test can prove the
# I2C callback never sleeps. sleep_ms raises StopIdle after `sleep_limit` calls to end run()'s loop.

now_ms = 0
sleeps = []          # (function name, argument)
sleep_limit = None


class StopIdle(Exception):
    pass


def ticks_ms():
    return now_ms


def ticks_diff(a, b):
    return a - b


def ticks_add(a, b):
    return a + b


def _slept(name, n):
    sleeps.append((name, n))
    if sleep_limit is not None and len(sleeps) >= sleep_limit:
        raise StopIdle()


def sleep(s):
    _slept('sleep', s)


def sleep_ms(ms):
    _slept('sleep_ms', ms)


def sleep_us(us):
    _slept('sleep_us', us)
