/**
 * The simulated ESP32-CAM's UART: the ROM serial bootloader and esptool's stub over a serialport binding
 * (`sim:esp32cam`) or a pseudo-terminal, the auto-reset circuit, the SPI flash and the boot from flash.
 */
export { SimSerialBoard } from './sim-serial-board.js';
export type { BoardState, BootEvent, SimSerialBoardOptions } from './sim-serial-board.js';
export { SIM_PORT_PATH, SimSerialBinding, SimPort, registerSimSerialBoard, unregisterSimSerialBoard, simPortTaken, isSimPortPath } from './sim-binding.js';
export { autoResetPins } from './auto-reset.js';
export type { ModemLines, StrapPins } from './auto-reset.js';
export { DEFAULT_FLASH_SIZE, W25Q32_JEDEC_ID } from './flash-chip.js';
export { ROM_BAUD, MICROPYTHON_BANNER } from './boot-log.js';
export { PtySerialLink } from './pty-link.js';
export type { PtyLinkOptions } from './pty-link.js';
export type { ChipHandle, ChipRuntime } from './chip-runtime.js';
export { factoryFlashPieces, FRESHEV_ESP32_CAM_PARTITIONS, FRESHEV_APP } from './factory-image.js';
export { findBootApp, MICROPYTHON_PROJECT, type AppBoot } from './app-boot.js';
export { appDescriptor, readAppDescriptor, type AppDescriptor } from './firmware-builder.js';
