/**
 * Desktop preferences in electron-store, kept in the data folder (`desktop-settings.json`; `config.json`
 * there belongs to the core's provider configuration). A damaged or hand-broken file is reset to the
 * defaults by electron-store rather than stopping the app: these are preferences, not credentials.
 */
import Store, { type Schema } from 'electron-store';
import { SETTINGS_DEFAULTS, SETTINGS_SCHEMA, type DesktopSettings } from './settings-schema';

export type SettingsStore = Store<DesktopSettings>;

export function createSettings(dataFolder: string): SettingsStore {
  return new Store<DesktopSettings>({
    name: 'desktop-settings',
    cwd: dataFolder,
    schema: SETTINGS_SCHEMA as unknown as Schema<DesktopSettings>,
    defaults: SETTINGS_DEFAULTS,
    configFileMode: 0o600,
    clearInvalidConfig: true,
    // The file is only ever written by this app; watching it would wake the idle app for nothing
    // (docs/design.md "Quality bars").
    watch: false,
  });
}
