# `camera` for the simulated ESP32-CAM, following freshev's ports/esp32/modcamera.c and the bundled
# esp32-camera driver (sensor.h, esp_camera.c, cam_hal.c). The pictures themselves come from the host
# (a test card made with sharp), at the size and quality asked for.
import uctypes
import _simhw as hw
import _sim_machine as _machine

# sensor.h pixformat_t
RGB565 = 0
YUV422 = 1
GRAYSCALE = 3
JPEG = 4

# sensor.h framesize_t, in enum order, with the sizes of resolution[] in sensor.c
FRAME_96X96 = 0
FRAME_QQVGA = 1
FRAME_QCIF = 2
FRAME_HQVGA = 3
FRAME_240X240 = 4
FRAME_QVGA = 5
FRAME_CIF = 6
FRAME_HVGA = 7
FRAME_VGA = 8
FRAME_SVGA = 9
FRAME_XGA = 10
FRAME_HD = 11
FRAME_SXGA = 12
FRAME_UXGA = 13
FRAME_FHD = 14
FRAME_P_HD = 15
FRAME_P_3MP = 16
FRAME_QXGA = 17
FRAME_QHD = 18
FRAME_WQXGA = 19
FRAME_P_FHD = 20
FRAME_QSXGA = 21

_SIZES = ((96, 96), (160, 120), (176, 144), (240, 176), (240, 240), (320, 240), (400, 296),
          (480, 320), (640, 480), (800, 600), (1024, 768), (1280, 720), (1280, 1024), (1600, 1200),
          (1920, 1080), (720, 1280), (864, 1536), (2048, 1536), (2560, 1440), (2560, 1600),
          (1088, 1920), (2560, 1920))
_OV2640_MAX = FRAME_UXGA  # camera_sensor[] in sensor.c: larger sizes are forced down to this
_FLASH_LED = 4  # the AI-Thinker board's flash LED, lit while GPIO4 is high (docs/hardware.md §1)

WB_NONE = 0
WB_SUNNY = 1
WB_CLOUDY = 2
WB_OFFICE = 3
WB_HOME = 4

EFFECT_NONE = 0
EFFECT_NEG = 1
EFFECT_BW = 2
EFFECT_RED = 3
EFFECT_GREEN = 4
EFFECT_BLUE = 5
EFFECT_RETRO = 6

XCLK_10MHz = 10000000
XCLK_20MHz = 20000000

# esp_camera.h camera_fb_location_t
PSRAM = 0
DRAM = 1

_state = None  # the driver's state after a successful init, None before (s_state in esp_camera.c)
_scratch = bytearray(0)  # where the JS side puts each frame (capture())
# The sensor settings a frame is rendered with, in the order the host reads them (camera-model.ts).
_LOOK = ('vflip', 'hmirror', 'brightness', 'contrast', 'saturation', 'effect', 'wb')


def _check_size(size):
    if not isinstance(size, int) or size < 0 or size >= len(_SIZES):
        raise ValueError('Image framesize is not valid')


def init(id=0, *, format=JPEG, framesize=FRAME_VGA, quality=12, d0=5, d1=18, d2=19, d3=21, d4=36,
         d5=39, d6=34, d7=35, vsync=25, href=23, pclk=22, pwdn=32, reset=-1, xclk=0, siod=26, sioc=27,
         xclk_freq=XCLK_10MHz, fb_size=1, fb_location=DRAM):
    global _state
    if format not in (JPEG, YUV422, GRAYSCALE, RGB565):
        raise ValueError('Image format is not valid')
    _check_size(framesize)
    if xclk_freq not in (XCLK_10MHz, XCLK_20MHz):
        raise ValueError('xclk frequency is not valid')
    # Initialising twice without deinit() fails on the board (the driver's interrupt and DMA are
    # already allocated), which is why field scripts catch the error, deinit and retry.
    if _state is not None:
        raise OSError('Camera Init Failed')
    if hw.cam_sensor_dead() or hw.cam_init_fault():
        # esp_camera.c: nothing answers on the sensor's SCCB bus; modcamera.c then logs its own line.
        _log_e('Camera probe failed with error 0x105(ESP_ERR_NOT_FOUND)')
        _init_failed()
    if fb_location == PSRAM and hw.psram_missing():
        # cam_hal.c asks for the frame buffer in SPIRAM, which is not there.
        _init_failed()
    size = framesize if framesize <= _OV2640_MAX else _OV2640_MAX
    w, h = _SIZES[size]
    _state = {
        'format': format,
        'size': size,
        'quality': quality,
        'xclk': xclk_freq,
        # cam_hal.c: a JPEG frame buffer of width*height/5, sized once, at init
        'fb_len': (w * h // 5) if format == JPEG else w * h * (1 if format == GRAYSCALE else 2),
    }
    for key in _LOOK:
        _state[key] = 0
    # freshev grabs with CAMERA_GRAB_WHEN_EMPTY and one buffer: the driver fills it as soon as it starts.
    _state['held'] = _expose()
    return True


def _expose():
    """What the frame buffer holds once the sensor has filled it now: when, with which settings, in what light.

    The light is the scene's (the host's ambient level, read now) and the flash LED's: when it went on, or
    None while it is off.
    """
    s = _state
    lit = _machine.Pin._levels.get(_FLASH_LED) == 1
    return (hw.now_ms(), s['size'], s['quality'], ','.join(str(s[k]) for k in _LOOK), hw.ambient_light(),
            _machine.Pin._since.get(_FLASH_LED) if lit else None)


def _log_e(text):
    # ESP_LOGE of the driver (tag "camera"): ESP-IDF's format, on the same UART as MicroPython's output.
    print('E (%d) camera: %s' % (int(hw.now_ms()), text))


def _init_failed():
    _log_e('Camera Init Failed')
    raise OSError('Camera Init Failed')


def deinit():
    global _state
    if _state is None:
        return False
    _state = None
    return True


def capture():
    if _state is None:
        return False  # esp_camera_fb_get() with no driver returns NULL
    # The buffer was filled when the previous frame was handed back, perhaps long ago and before the latest
    # settings: that frame is the one returned, and the driver refills the buffer at once.
    exposed, size, quality, look, ambient, flash_on = _state['held']
    _state['held'] = _expose()
    w, h = _SIZES[size]
    now = hw.now_ms()
    n = hw.cam_capture(w, h, quality, _state['format'], _state['fb_len'], _state['xclk'], size, look,
                       now - exposed, ambient, -1 if flash_on is None else now - flash_on)
    if n < 0:
        return False
    # The driver hands back a new bytes object per frame. The JS side copies the frame into a scratch buffer
    # kept from frame to frame, and bytes_at makes the one new object: whatever is allocated here stays in the
    # simulated heap (see worker.mjs, copyIn), so a frame costs its size once.
    global _scratch
    if len(_scratch) < n:
        _scratch = bytearray(n + n // 4)
    at = uctypes.addressof(_scratch)
    hw.cam_take(at)
    return uctypes.bytes_at(at, n)



def _sensor_set(key, value):
    if _state is None:
        return False
    _state[key] = value
    return None


def framesize(size):
    if _state is None:
        return False
    _check_size(size)
    # The sensor window changes; the frame buffer keeps the size it got at init.
    _state['size'] = size if size <= _OV2640_MAX else _OV2640_MAX
    return None


def quality(q):
    return _sensor_set('quality', int(q))


def flip(d):
    return _sensor_set('vflip', int(d))


def mirror(d):
    return _sensor_set('hmirror', int(d))


def contrast(v):
    return _sensor_set('contrast', int(v))


def saturation(v):
    return _sensor_set('saturation', int(v))


def brightness(v):
    return _sensor_set('brightness', int(v))


def speffect(v):
    return _sensor_set('effect', int(v))


def whitebalance(v):
    return _sensor_set('wb', int(v))
