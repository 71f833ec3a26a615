/**
 * The multipart/x-mixed-replace framing of Espressif's CameraWebServer (arduino-esp32,
 * libraries/ESP32/examples/Camera/CameraWebServer/app_httpd.cpp): the same boundary, and each part as
 * CRLF, `--boundary`, CRLF, then Content-Type, Content-Length and X-Timestamp. Home Assistant's MJPEG
 * camera, Frigate (ffmpeg) and motionEye were written against that server, so nothing here is our own idea.
 */
export const MJPEG_BOUNDARY = '123456789000000000000987654321';

export const MJPEG_CONTENT_TYPE = `multipart/x-mixed-replace;boundary=${MJPEG_BOUNDARY}`;

/** `seconds.microseconds`, as CameraWebServer prints a frame's timestamp. */
export function partTimestamp(takenAt: Date): string {
  const ms = takenAt.getTime();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1000).padStart(6, '0')}`;
}

/** Everything before a part's JPEG bytes: the boundary line and the part's headers. */
export function partHead(jpegLength: number, takenAt: Date): Buffer {
  return Buffer.from(
    `\r\n--${MJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpegLength}\r\nX-Timestamp: ${partTimestamp(takenAt)}\r\n\r\n`,
    'latin1',
  );
}
