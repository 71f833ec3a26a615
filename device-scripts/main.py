# ESP32-CAM I2C camera slave for freshev's MicroPython firmware.
#
# Answers two protocols on one slave address (see protocol/README.md of esp32cam-host):
#  - legacy ASCII commands (ping, capture, get, flash-on, flash-off), byte for byte as the masters in the
#    field expect, except that failures answer 100 instead of pretending to succeed;
#  - protocol 2: framed, CRC-checked requests and replies with re-readable chunks.
# Every reply is queued with a single setdata() so it lands in the TX ring whole or not at all.

import binascii
import gc
import struct
import sys

import camera
import machine
import utime
from machine import I2C, WDT, Pin, Timer

import camconfig as cfg

try:
    import esp32     # NVS, for the boot count
except ImportError:  # a firmware built without it: the count is then reported as 0
    esp32 = None

FIRMWARE = 'esp32cam-slave/1 (MicroPython %d.%d.%d)' % sys.implementation.version[:3]

OK = 200
OK_DATA = 201
FAILED = 100

MAGIC = b'\xa5\x5a'
OP_HELLO = 0x01
OP_CAPTURE = 0x02
OP_READ = 0x03
OP_FLASH = 0x04
OP_STATUS = 0x05
OP_RESYNC = 0x06
OP_SETTINGS = 0x07

# CAPTURE's flags byte (protocol/README.md, CAPTURE flags); the reply echoes the bits honoured.
CAPTURE_FRESH = 0x01     # discard the held frame, which may be long stale, and take the next
CAPTURE_FLASH = 0x02     # flash LED on FLASH_LEAD_MS before a new frame, then back as it was
CAPTURE_KNOWN = CAPTURE_FRESH | CAPTURE_FLASH
# CameraWebServer's capture_handler waits this long between the LED and esp_camera_fb_get(), or the LED
# does not show in the frame.
FLASH_LEAD_MS = 150
WAIT_STEP_MS = 50        # the watchdog is fed at least this often while a capture waits for the LED

# SETTINGS ids (protocol/README.md): name, lowest and highest value, and freshev's camera setter.
SETTINGS = (
    None,
    ('framesize', 0, 13, 'framesize'),
    ('quality', 10, 63, 'quality'),
    ('brightness', -2, 2, 'brightness'),
    ('contrast', -2, 2, 'contrast'),
    ('saturation', -2, 2, 'saturation'),
    ('vflip', 0, 1, 'flip'),
    ('hmirror', 0, 1, 'mirror'),
    ('special_effect', 0, 6, 'speffect'),
    ('wb_mode', 0, 4, 'whitebalance'),
)
SET_FRAMESIZE = 1
SET_QUALITY = 2
# Pixels of each framesize_t up to UXGA, the OV2640's largest (esp32-camera sensor.c resolution[]); the JPEG
# frame buffer camera.init allocates is a fifth of this, and cannot grow afterwards.
FRAME_PIXELS = (96 * 96, 160 * 120, 176 * 144, 240 * 176, 240 * 240, 320 * 240, 400 * 296, 480 * 320,
                640 * 480, 800 * 600, 1024 * 768, 1280 * 720, 1280 * 1024, 1600 * 1200)
FRAME_VGA = 8            # the largest size whose buffer internal RAM can hold

REPLY_OVERHEAD = 10      # magic, seq, status, len16 ... crc32
BLINK_MS = 150
BLINK_PAUSE_STEPS = 8    # dark steps between repeats of the fault pattern
START_BLINKS = 2
ERROR_BLINKS = 3
FAULT_BLINKS = 5         # repeated while the camera is unusable
LAST_ERROR_MAX = 64      # bytes of the last error text STATUS carries
# freshev's slave task notices a deleted driver on its next poll and only then clears its handle; a callback()
# registered before that starts no new task. Its own I2C.init() waits 100 ms after deleting the driver.
RESYNC_SETTLE_MS = 100
NVS_NAMESPACE = 'esp32cam'
NVS_BOOTS = 'boots'


def count_boot():
    """Counts chip boots in NVS and returns the count, or 0 when NVS cannot keep one; never raises.

    A soft reset (Ctrl-D, machine.soft_reset(), mpremote after a file copy) restarts the VM but not the chip:
    ticks_ms, the I2C driver and the watchdog all carry on, so it is not counted. The host reads a rising count
    as a reboot, and counting soft resets would report reboots that the uptime contradicts.
    """
    if esp32 is None:
        return 0
    try:
        nvs = esp32.NVS(NVS_NAMESPACE)
        try:
            boots = nvs.get_i32(NVS_BOOTS)
        except OSError:
            boots = 0    # never counted yet: get_i32 raises OSError(-ESP_ERR_NVS_NOT_FOUND)
        if machine.reset_cause() != machine.SOFT_RESET:
            boots = (boots + 1) & 0x7FFFFFFF
            nvs.set_i32(NVS_BOOTS, boots)
            nvs.commit()
        return boots
    except OSError as e:
        # NVS partition missing, full or failing: 0 tells the host there is no count, and the slave still runs.
        print('boot count unavailable:', e)
        return 0


def crc8(buf, start, end):
    # CRC-8/SMBUS (poly 0x07): short request frames, so a bitwise loop is cheap enough.
    crc = 0
    for i in range(start, end):
        crc ^= buf[i]
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


class Blinker:
    """Blinks the red LED from a hardware timer, so the I2C callback never waits for it."""

    def __init__(self, pin, timer):
        self.pin = pin
        self.timer = timer
        self.fault = 0       # blink count repeated forever once set (camera unusable)
        self.steps = 0
        self.repeat = False
        self.pos = 0

    def start(self, count, repeat=False):
        self.steps = 2 * count
        self.repeat = repeat
        self.pos = 1
        self.pin.value(0)    # active low: on now, the timer does the rest
        self.timer.init(mode=Timer.PERIODIC, period=BLINK_MS, callback=self.tick)

    def set_fault(self, count):
        self.fault = count
        self.start(count, True)

    def tick(self, _timer):
        pos = self.pos
        if self.repeat:
            pos %= self.steps + BLINK_PAUSE_STEPS
        if pos < self.steps:
            self.pin.value(pos & 1)      # even steps on, odd steps off: always ends dark
        elif not self.repeat:
            if self.fault:
                self.start(self.fault, True)     # an error blink is over: back to the fault pattern
            else:
                self.timer.deinit()
            return
        self.pos = pos + 1


class Slave:
    def __init__(self):
        self.wdt = WDT(timeout=cfg.WDT_TIMEOUT_MS)
        self.boots = count_boot()
        self.flash_pin = Pin(cfg.FLASH_PIN, Pin.OUT, value=0)
        self.led = Blinker(Pin(cfg.LED_PIN, Pin.OUT, value=1), Timer(0))
        self.led.start(START_BLINKS)
        self.flash = 0
        self.flash_since = 0     # ticks_ms when the LED last went on
        self.photo = None
        self.view = None
        self.photo_id = 0
        self.slice = 0
        self.captures = 0
        self.errors = 0
        self.last_error = ''
        self.resync_seq = -1     # seq of a RESYNC the idle loop has yet to carry out
        # What the camera was last set to, by SETTINGS id: the module cannot be asked. Filled by init_camera().
        self.settings = [0] * len(SETTINGS)
        self.fb_pixels = 0       # pixels of the frame size the frame buffer was allocated for
        self.psram = False       # whether that buffer is in PSRAM
        # One reusable reply buffer: setdata copies it into the ring, and a READ allocates nothing.
        self.tx = bytearray(cfg.CHUNK + REPLY_OVERHEAD)
        self.txv = memoryview(self.tx)
        self.legacy = {
            b'ping': self.legacy_ping,
            b'capture': self.legacy_capture,
            b'get': self.legacy_get,
            b'flash-on': self.legacy_flash_on,
            b'flash-off': self.legacy_flash_off,
        }
        self.ops = {
            OP_HELLO: self.op_hello,
            OP_CAPTURE: self.op_capture,
            OP_READ: self.op_read,
            OP_FLASH: self.op_flash,
            OP_STATUS: self.op_status,
            OP_RESYNC: self.op_resync,
            OP_SETTINGS: self.op_settings,
        }
        self.camera_error = self.init_camera()
        if self.camera_error:
            print('camera unusable:', self.camera_error)
            self.last_error = 'camera: ' + self.camera_error
            self.led.set_fault(FAULT_BLINKS)
        self.i2c = self.init_i2c()
        self.i2c.callback(self.on_i2c)

    def init_camera(self):
        """Returns None when the camera works, else why not; never raises, so the host can be told."""
        framesize = getattr(camera, 'FRAME_' + cfg.FRAME_SIZE, None)
        if framesize is None:
            return 'unknown FRAME_SIZE %s' % cfg.FRAME_SIZE
        self.settings[SET_FRAMESIZE] = framesize
        self.settings[SET_QUALITY] = cfg.JPEG_QUALITY
        base = {'format': camera.JPEG, 'framesize': framesize, 'quality': cfg.JPEG_QUALITY}
        # First try the frame buffer in PSRAM: internal RAM cannot hold the JPEG buffer of the large frame
        # sizes (384 KB at UXGA). The retry uses the driver's default (internal RAM), which works up to VGA
        # on a board whose PSRAM is missing or taken.
        attempts = ({'fb_location': camera.PSRAM} if hasattr(camera, 'PSRAM') else {}, {})
        reason = None
        for extra in attempts:
            kwargs = dict(base)
            kwargs.update(extra)
            try:
                camera.init(0, **kwargs)
                self.fb_pixels = FRAME_PIXELS[min(framesize, len(FRAME_PIXELS) - 1)]
                self.psram = bool(extra)
                return None
            except OSError as e:
                reason = str(e) or 'camera.init failed'
                camera.deinit()
            except ValueError as e:
                return 'bad camera setting: %s' % e
        return reason

    def init_i2c(self):
        def make():
            return I2C(cfg.I2C_ID, mode=I2C.SLAVE, scl=cfg.SCL_PIN, sda=cfg.SDA_PIN, freq=cfg.I2C_FREQ,
                       slave_addr=cfg.I2C_ADDRESS, slave_rbuflen=cfg.RX_RING, slave_wbuflen=cfg.TX_RING)
        try:
            return make()
        except OSError as e:
            # A soft reset keeps the driver installed; only deinit_all() frees it.
            if 'already used' not in str(e):
                raise
            I2C.deinit_all()
            return make()

    def banner(self):
        return '%s: I2C 0x%02X on SCL %d/SDA %d at %d Hz, %s q%d, protocol 2 + legacy, camera %s' % (
            FIRMWARE, cfg.I2C_ADDRESS, cfg.SCL_PIN, cfg.SDA_PIN, cfg.I2C_FREQ, cfg.FRAME_SIZE,
            cfg.JPEG_QUALITY, 'FAILED: ' + self.camera_error if self.camera_error else 'ok')

    # ---- dispatch -------------------------------------------------------------------------------

    def on_i2c(self, i2c):
        data = i2c.getcbdata()
        if not data:
            return
        self.wdt.feed()
        # An exception here would escape into run()'s idle loop and stop the script, so none may leave.
        command = self.legacy.get(data)
        if command is not None:
            try:
                command()
            except Exception as e:
                self.fail('legacy %s: %r' % (data, e))
                self.send(b'\x64')
        elif MAGIC in data:
            self.on_frames(data)
        else:
            self.fail('unknown command')
            self.send(b'\x64')

    def on_frames(self, data):
        """Answers every whole frame in order; bytes that do not parse are skipped up to the next magic."""
        size = len(data)
        i = data.find(MAGIC)
        while i >= 0:
            end = i + 5 + data[i + 4] if i + 5 < size else size
            # A magic that is really garbage may claim a length past the chunk: look further, not stop.
            if end >= size or crc8(data, i + 2, end) != data[end]:
                self.fail('bad frame CRC' if end < size else 'incomplete frame')
                i = data.find(MAGIC, i + 2)
                continue
            seq = data[i + 2]
            handler = self.ops.get(data[i + 3])
            try:
                if handler is None:
                    self.reply_fail(seq, 'unknown op %d' % data[i + 3])
                else:
                    handler(seq, memoryview(data)[i + 5:end])
            except Exception as e:
                self.reply_fail(seq, 'internal error: %r' % e)
            i = data.find(MAGIC, end + 1)

    def send(self, buf):
        if not self.i2c.setdata(buf, 0):
            self.fail('TX ring full')

    def fail(self, why):
        self.errors += 1
        self.last_error = why
        self.led.start(ERROR_BLINKS)
        print('error:', why)

    # ---- camera ---------------------------------------------------------------------------------

    def take_photo(self, flags=0):
        """Returns None and holds a new photo, or returns why the camera failed (and holds none).

        flags are CAPTURE's: fresh throws the held frame away first; flash lights the LED for the new frame.
        """
        self.photo = None
        self.view = None
        self.slice = 0
        gc.collect()     # the previous JPEG must be gone before the driver allocates the next
        if self.camera_error:
            return 'camera not ready: ' + self.camera_error
        if not flags & CAPTURE_FLASH:
            return self.keep_photo(self.expose(flags & CAPTURE_FRESH))
        lit = self.flash
        if not lit:
            self.set_flash(1)
        try:
            # One tick more than the lead: ticks_ms counts whole milliseconds, so 150 ticks can be 149.x ms.
            self.wait_fed(FLASH_LEAD_MS + 1 - utime.ticks_diff(utime.ticks_ms(), self.flash_since))
            # The held frame was exposed before the LED came on: only the next one shows it.
            img = self.expose(True)
        finally:
            if not lit:
                self.set_flash(0)
        return self.keep_photo(img)

    def expose(self, fresh):
        """camera.capture(), after throwing the held frame away when fresh; False when either fails."""
        if fresh:
            if not camera.capture():
                return False
            gc.collect()
        return camera.capture()

    def wait_fed(self, ms):
        """Sleeps ms (nothing when ms <= 0), feeding the watchdog as it goes."""
        end = utime.ticks_add(utime.ticks_ms(), ms)
        while True:
            self.wdt.feed()
            left = utime.ticks_diff(end, utime.ticks_ms())
            if left <= 0:
                return
            utime.sleep_ms(min(left, WAIT_STEP_MS))

    def keep_photo(self, img):
        if not img:
            return 'capture failed'
        if img[:2] != b'\xff\xd8':
            return 'not a JPEG'
        self.photo = img
        self.view = memoryview(img)
        self.photo_id = (self.photo_id + 1) & 0xFFFF
        self.captures += 1
        return None

    def set_flash(self, on):
        if on and not self.flash:
            self.flash_since = utime.ticks_ms()
        self.flash = 1 if on else 0
        self.flash_pin.value(self.flash)

    # ---- legacy protocol ------------------------------------------------------------------------

    def legacy_ping(self):
        self.send(b'\xc8')

    def legacy_flash_on(self):
        self.set_flash(1)
        self.send(b'\xc8')

    def legacy_flash_off(self):
        self.set_flash(0)
        self.send(b'\xc8')

    def legacy_capture(self):
        why = self.take_photo()
        if why:
            self.fail(why)
            self.send(b'\x64')
        else:
            self.send(b'\xc8')

    def legacy_get(self):
        if self.photo is None:
            self.fail('get without a photo')
            self.send(b'\x64')
            return
        # Same slicing as the field script: an exact multiple ends with a full slice, then an empty one.
        start = self.slice * cfg.LEGACY_CHUNK
        stop = min(start + cfg.LEGACY_CHUNK, len(self.photo))
        n = max(stop - start, 0)
        self.slice = self.slice + 1 if n else 0
        tx = self.tx
        tx[0] = OK_DATA
        tx[1] = n & 0xFF
        tx[2] = n >> 8
        if n:
            tx[3:3 + n] = self.view[start:stop]
        self.send(self.txv[:3 + n])

    # ---- protocol 2 -----------------------------------------------------------------------------

    def reply(self, seq, status, payload=b''):
        n = len(payload)
        tx = self.tx
        tx[0] = 0xA5
        tx[1] = 0x5A
        tx[2] = seq
        tx[3] = status
        tx[4] = n & 0xFF
        tx[5] = n >> 8
        if n:
            tx[6:6 + n] = payload
        struct.pack_into('<I', tx, 6 + n, binascii.crc32(self.txv[2:6 + n]))
        self.send(self.txv[:REPLY_OVERHEAD + n])

    def reply_fail(self, seq, why):
        self.fail(why)
        self.reply(seq, FAILED, why.encode()[:cfg.CHUNK])

    def op_hello(self, seq, args):
        self.reply(seq, OK_DATA, struct.pack('<BHH', 2, cfg.CHUNK, cfg.TX_RING) + FIRMWARE.encode())

    def op_capture(self, seq, args):
        if len(args) > 1:
            return self.reply_fail(seq, 'CAPTURE takes at most 1 argument byte')
        # Bits this script does not know are ignored and left out of the echo, which tells the host.
        flags = (args[0] if args else 0) & CAPTURE_KNOWN
        why = self.take_photo(flags)
        if why:
            self.reply_fail(seq, why)
        else:
            self.reply(seq, OK_DATA, struct.pack('<HIIB', self.photo_id, len(self.photo),
                                                 binascii.crc32(self.photo) & 0xFFFFFFFF, flags))

    def op_read(self, seq, args):
        if len(args) != 8:
            return self.reply_fail(seq, 'READ takes 8 argument bytes')
        photo_id, offset, length = struct.unpack('<HIH', args)
        if self.photo is None or photo_id != self.photo_id:
            return self.reply_fail(seq, 'photo %d is not held' % photo_id)
        size = len(self.photo)
        if offset > size:
            return self.reply_fail(seq, 'offset %d past the end (%d)' % (offset, size))
        if length > cfg.CHUNK:
            return self.reply_fail(seq, 'length %d above %d' % (length, cfg.CHUNK))
        self.reply(seq, OK_DATA, self.view[offset:min(offset + length, size)])

    def op_flash(self, seq, args):
        if len(args) != 1:
            return self.reply_fail(seq, 'FLASH takes 1 argument byte')
        self.set_flash(args[0])
        self.reply(seq, OK)

    def op_status(self, seq, args):
        # The first 18 bytes are STATUS as the first hosts read it; the rest only ever grows at the end.
        why = self.last_error.encode()[:LAST_ERROR_MAX]
        gc.collect()     # free heap then measures what is really held, so a leak shows as a steady fall
        self.reply(seq, OK_DATA, struct.pack(
            '<IIIBBIIIBB', utime.ticks_ms() & 0xFFFFFFFF, self.captures, self.errors,
            machine.reset_cause(), self.flash, cfg.WDT_TIMEOUT_MS, self.boots & 0xFFFFFFFF,
            gc.mem_free(), 0 if self.camera_error else 1, len(why)) + why)

    def op_settings(self, seq, args):
        # Every pair is checked before any is applied, so a bad one changes nothing.
        if len(args) % 3:
            return self.reply_fail(seq, 'SETTINGS takes (id u8, value i16) pairs, not %d bytes' % len(args))
        wanted = {}
        for at in range(0, len(args), 3):
            sid, value = struct.unpack_from('<Bh', args, at)
            if not 0 < sid < len(SETTINGS):
                return self.reply_fail(seq, 'unknown setting id %d' % sid)
            name, low, high, _ = SETTINGS[sid]
            if not low <= value <= high:
                return self.reply_fail(seq, '%s %d out of range %d..%d' % (name, value, low, high))
            wanted[sid] = value
        if wanted and self.camera_error:
            return self.reply_fail(seq, 'camera not ready: ' + self.camera_error)
        size = wanted.get(SET_FRAMESIZE)
        if size is not None and FRAME_PIXELS[size] > self.fb_pixels:
            why = self.grow_frame_buffer(size, wanted)
            if why:
                return self.reply_fail(seq, why)
        else:
            for sid in sorted(wanted):
                self.settings[sid] = wanted[sid]
                getattr(camera, SETTINGS[sid][3])(wanted[sid])
        self.reply_settings(seq)

    def reply_settings(self, seq):
        out = bytearray(3 * (len(SETTINGS) - 1))
        for sid in range(1, len(SETTINGS)):
            struct.pack_into('<Bh', out, 3 * (sid - 1), sid, self.settings[sid])
        self.reply(seq, OK_DATA, out)

    def grow_frame_buffer(self, size, wanted):
        """Re-initialises the camera for a frame size whose JPEG would not fit the buffer; returns why not, or None.

        camera.init resets the sensor, so every held setting is applied again afterwards.
        """
        psram = self.psram or size > FRAME_VGA
        old = self.settings[SET_FRAMESIZE]
        camera.deinit()
        why = self.camera_init_at(size, wanted.get(SET_QUALITY, self.settings[SET_QUALITY]), psram)
        if why:
            if size > FRAME_VGA and not self.psram:
                why = 'framesize %d needs PSRAM, which this board lacks (%s)' % (size, why)
            else:
                why = 'framesize %d: camera re-init failed: %s' % (size, why)
            # Back to the size that worked, so the camera keeps taking photos.
            back = self.camera_init_at(old, self.settings[SET_QUALITY], self.psram)
            if back:
                self.camera_error = 're-init failed: ' + back
                self.led.set_fault(FAULT_BLINKS)
            else:
                self.reapply()
            return why
        self.fb_pixels = FRAME_PIXELS[size]
        self.psram = psram
        for sid in wanted:
            self.settings[sid] = wanted[sid]
        self.reapply()
        return None

    def camera_init_at(self, size, quality, psram):
        kwargs = {'format': camera.JPEG, 'framesize': size, 'quality': quality}
        if psram:
            kwargs['fb_location'] = camera.PSRAM
        try:
            camera.init(0, **kwargs)
            return None
        except (OSError, ValueError) as e:
            camera.deinit()
            return str(e) or 'camera.init failed'

    def reapply(self):
        for sid in range(SET_QUALITY + 1, len(SETTINGS)):
            getattr(camera, SETTINGS[sid][3])(self.settings[sid])

    def op_resync(self, seq, args):
        # Tearing the driver down from its own callback is unsafe: the idle loop does it (service()).
        self.resync_seq = seq

    # ---- idle loop ------------------------------------------------------------------------------

    def service(self):
        """The idle loop's work between sleeps; a cheap check unless a RESYNC is waiting."""
        if self.resync_seq >= 0:
            self.resync()

    def resync(self):
        """Rebuilds the I2C slave, the one way to empty its TX ring, then queues OK into the fresh ring."""
        seq = self.resync_seq
        self.resync_seq = -1
        try:
            I2C.deinit_all()
            utime.sleep_ms(RESYNC_SETTLE_MS)
            self.i2c = self.init_i2c()
            self.i2c.callback(self.on_i2c)
        except Exception as e:
            # Nothing answers now; the watchdog, no longer fed, reboots the board.
            self.fail('resync: %r' % e)
            return
        self.wdt.feed()
        self.reply(seq, OK)


def start():
    slave = Slave()
    print(slave.banner())
    return slave


def run():
    slave = start()
    while True:
        utime.sleep_ms(100)   # callbacks are dispatched between sleeps
        slave.service()


if __name__ == '__main__':
    run()
