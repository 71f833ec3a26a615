# Test double of freshev's `camera` module. A test sets `init_failures` (how many init calls raise
# OSError) and `next_capture`: what capture() returns (bytes, False...), or an exception it raises.

JPEG = 4
RGB565 = 0
DRAM = 0
PSRAM = 1
FRAME_QQVGA = 1
FRAME_QVGA = 5
FRAME_VGA = 8
FRAME_UXGA = 13

init_failures = 0
init_calls = []      # kwargs of each init() call
deinit_calls = 0
capture_calls = 0
next_capture = False


def init(cam_id, **kwargs):
    global init_failures
    init_calls.append(kwargs)
    if init_failures > 0:
        init_failures -= 1
        raise OSError('Camera Init Failed')
    return True


def deinit():
    global deinit_calls
    deinit_calls += 1
    return True


def capture():
    global capture_calls
    capture_calls += 1
    if isinstance(next_capture, Exception):
        raise next_capture
    return next_capture
