# Core of the simulated ESP32-CAM: the bridge to the JS side and MicroPython's scheduler.
#
# On the real board, interrupt-side code (the I2C slave task, hardware timers) never calls Python
# directly: it queues the callback with mp_sched_schedule, and the VM runs the queue inside
# mp_handle_pending, which sleep_ms calls while it waits. A callback that is running is never
# interrupted by another one. This module reproduces exactly that, so the slave script sees the same
# ordering and the same "merged command" effects as on hardware.
import sys
import _simhw as hw

SCHEDULER_DEPTH = 8  # MICROPY_SCHEDULER_DEPTH in freshev's ports/esp32/mpconfigport.h

_queue = []
_in_callback = False
_pollers = []  # functions that move hardware events into the queue (I2C slaves, timers)
_timers = []


def schedule(fn, arg):
    # Like mp_sched_schedule: a full queue drops the callback and reports False.
    if len(_queue) >= SCHEDULER_DEPTH:
        return False
    _queue.append((fn, arg))
    return True


def add_poller(fn):
    if fn not in _pollers:
        _pollers.append(fn)


def remove_poller(fn):
    if fn in _pollers:
        _pollers.remove(fn)


def add_timer(t):
    if t not in _timers:
        _timers.append(t)


def remove_timer(t):
    if t in _timers:
        _timers.remove(t)


def poll_hardware():
    # Hardware keeps running while Python is busy: received chunks and timer expiries are always
    # recorded, even inside a callback; only the running of callbacks waits.
    now = hw.now_ms()
    for t in list(_timers):
        t._due(now)
    for p in list(_pollers):
        p()


def handle_pending():
    global _in_callback
    poll_hardware()
    if _in_callback:
        return
    while _queue:
        fn, arg = _queue.pop(0)
        _in_callback = True
        try:
            fn(arg)
        except Exception as e:
            # mp_call_function_1_protected prints the traceback and carries on.
            sys.print_exception(e)
        finally:
            _in_callback = False


def ms_until_next_timer(now):
    best = None
    for t in _timers:
        d = t._next - now
        if best is None or d < best:
            best = d
    return best


def sleep_ms(ms):
    end = hw.now_ms() + ms
    while True:
        handle_pending()
        now = hw.now_ms()
        rem = end - now
        if rem <= 0:
            return
        nt = ms_until_next_timer(now)
        if nt is not None and nt < rem:
            rem = nt if nt > 0 else 0
        hw.wait(rem)


def block_ms(ms):
    # A busy-wait in C (vTaskDelay, a blocked driver call): time passes, hardware events are
    # recorded, but no Python callback runs.
    end = hw.now_ms() + ms
    while True:
        poll_hardware()
        rem = end - hw.now_ms()
        if rem <= 0:
            return
        hw.wait(rem)
