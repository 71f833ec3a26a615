# Start-up of the simulated board's MicroPython, as freshev's firmware does it: the frozen _boot.py mounts the
# filesystem (inisetup.py sets up an erased one, and loops on a corrupted one until Ctrl-C), then main.c
# runs boot.py and, in the friendly REPL mode, main.py (pyexec_file_if_exists).
import sys
import io
import os
import json
import binascii
import micropython
import _simhw as hw
import _sim_core as core
import _sim_vfs

# inisetup.py's default boot.py, byte for byte
BOOT_PY = """\
# This file is executed on every boot (including wake-boot from deepsleep)
#import esp
#esp.osdebug(None)
#import webrepl
#webrepl.start()
"""

CORRUPTED = """\
The filesystem appears to be corrupted. If you had important data there, you
may want to make a flash snapshot to try to recover it. Otherwise, perform
factory reprogramming of MicroPython firmware (completely erase flash, followed
by firmware programming).
"""

# The frames the real firmware shows when Ctrl-C stops the corrupted-filesystem loop (line numbers of
# freshev's _boot.py and inisetup.py).
CORRUPTED_TB = (
    'Traceback (most recent call last):\n'
    '  File "_boot.py", line 11, in <module>\n'
    '  File "inisetup.py", line 38, in setup\n'
    '  File "inisetup.py", line 15, in check_bootsec\n'
    '  File "inisetup.py", line 34, in fs_corrupted\n'
    'KeyboardInterrupt: \n'
)


def mount(state, blocks):
    seed = json.loads(hw.fs_seed())
    files = {}
    for p, h in seed['files']:
        files[p] = binascii.unhexlify(h)
    vfs = _sim_vfs.SimVfs(files, seed['dirs'], blocks, state in ('ok', 'erased'))
    os.umount('/')
    os.mount(vfs, '/')
    os.chdir('/')
    sys.path.clear()
    sys.path.extend(['', '.frozen', '/lib'])
    if state == 'erased':
        print('Performing initial setup')
        with open('boot.py', 'w') as f:
            f.write(BOOT_PY)
    elif state == 'corrupt':
        hw.fs_corrupt()
        micropython.kbd_intr(3)
        try:
            while True:
                print(CORRUPTED)
                core.sleep_ms(3000)
        except KeyboardInterrupt:
            print(CORRUPTED_TB, end='')
        finally:
            micropython.kbd_intr(-1)


def _traceback(e):
    buf = io.StringIO()
    sys.print_exception(e, buf)
    keep = [l for l in buf.getvalue().split('\n') if '"<stdin>"' not in l and '_sim_boot.py' not in l]
    return '\n'.join(keep)


def run_file(name, g, overrides=None):
    # pyexec_file_if_exists: a missing file is skipped; an exception prints its traceback and start-up goes on.
    try:
        os.stat(name)
    except OSError:
        return 'missing'
    try:
        with open(name) as f:
            src = f.read()
        code = compile(src, name, 'exec')
    except Exception as e:
        text = _traceback(e)
        print(text, end='')
        hw.load_error(name, text)
        return 'error'
    if overrides:
        try:
            import camconfig
            for k, v in json.loads(overrides).items():
                setattr(camconfig, k, v)
        except Exception as e:
            text = _traceback(e)
            print(text, end='')
            hw.load_error('camconfig.py', text)
            return 'error'
    if name == 'main.py':
        hw.started()
    micropython.kbd_intr(3)
    try:
        exec(code, g)
        return 'ok'
    except SystemExit:
        return 'ok'
    except BaseException as e:
        text = _traceback(e)
        print(text, end='')
        hw.script_error(name, text)
        return 'error'
    finally:
        micropython.kbd_intr(-1)


def idle_until_input():
    # The REPL waiting for a key: scheduled callbacks (the I2C slave's, timers) keep running meanwhile.
    while not hw.uart_pending():
        core.handle_pending()
        now = hw.now_ms()
        nt = core.ms_until_next_timer(now)
        hw.wait_input(1000 if nt is None else max(0, min(nt, 1000)))
