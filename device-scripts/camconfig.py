# Settings of the ESP32-CAM slave script (main.py). Plain constants only: the host rewrites values in
# this file when it configures a board, so keep one `NAME = value` per line.

I2C_ID = 0               # ESP32 I2C peripheral; the camera's SCCB bus uses the other one
SCL_PIN = 12             # GPIO12 is a strapping pin: disconnect the bus while flashing
SDA_PIN = 13
I2C_FREQ = 100000        # Hz; must match the master's bus clock
I2C_ADDRESS = 0x2C       # freshev's default slave address, 44
TX_RING = 8192           # slave_wbuflen: the TX ring must hold two protocol-2 replies
RX_RING = 256            # slave_rbuflen (freshev accepts 256..4096)
LEGACY_CHUNK = 100       # legacy `get` slice, as the masters in the field expect
CHUNK = 4080             # protocol-2 maximum READ length; 2 * (CHUNK + 10) <= TX_RING
FRAME_SIZE = 'QVGA'      # name of a camera.FRAME_* constant
JPEG_QUALITY = 12        # OV2640 quality 10..63, lower is better
FLASH_PIN = 4            # flash LED, high = on
LED_PIN = 33             # red LED, active low
WDT_TIMEOUT_MS = 60000   # reboot after this long without a command
