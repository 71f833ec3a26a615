export { CameraSettingsService, FLASH_MODES, type CameraSettingsView, type ContactEvent, type ContactSource, type SettingsCameras } from './camera-settings.js';
export { CameraSettingsStore, SETTINGS_DIR, type SettingsState } from './settings-store.js';
