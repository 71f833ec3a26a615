# Test double of freshev's `camera` module. A test sets `init_failures` (how many init calls raise
# OSError), `psram` (False: an init with fb_location=PSRAM raises OSError, as cam_hal.c cannot allocate the
# buffer) and `next_capture`: what capture() returns (bytes, False...), or an exception it raises. Each
# setter call is recorded in `set_calls` as (setter name, value).

JPEG = 4
RGB565 = 0
PSRAM = 0  # esp32-camera's camera_fb_location_t: CAMERA_FB_IN_PSRAM, then CAMERA_FB_IN_DRAM
DRAM = 1
FRAME_QQVGA = 1
FRAME_QVGA = 5
FRAME_VGA = 8
FRAME_SVGA = 9
FRAME_UXGA = 13

init_failures = 0
init_calls = []      # kwargs of each init() call
deinit_calls = 0
capture_calls = 0
next_capture = False
psram = True
set_calls = []


def init(cam_id, **kwargs):
    global init_failures
    init_calls.append(kwargs)
    if init_failures > 0:
        init_failures -= 1
        raise OSError('Camera Init Failed')
    if kwargs.get('fb_location') == PSRAM and not psram:
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


def _setter(name):
    def set_value(value):
        set_calls.append((name, value))
    return set_value


framesize = _setter('framesize')
quality = _setter('quality')
brightness = _setter('brightness')
contrast = _setter('contrast')
saturation = _setter('saturation')
flip = _setter('flip')
mirror = _setter('mirror')
speffect = _setter('speffect')
whitebalance = _setter('whitebalance')
