/**
 * The desktop app's own preferences (not the provider configuration, which is core/config.ts): the JSON
 * Schema electron-store validates the file against, and its TypeScript shape. Pure.
 */
export type BasicTextChoice = 'unasked' | 'accepted' | 'declined';

export interface WindowBounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DesktopSettings {
  /** The user's wish; on macOS/Windows the login item itself is the truth and is read back from the OS. */
  startAtLogin: boolean;
  /**
   * Linux without a keyring (safeStorage `basic_text`): `accepted` = store with Chromium's built-in key,
   * `declined` = use the key-file cipher, `unasked` = ask at the next start. Remembered so the vault is
   * always opened with the cipher that sealed it.
   */
  basicText: BasicTextChoice;
  /** Where the normal (no-tray) window was last. */
  windowBounds?: WindowBounds;
  /** Always use a normal window instead of tray + popover (desktops without a status area). */
  noTray: boolean;
}

export const SETTINGS_DEFAULTS: DesktopSettings = {
  startAtLogin: false,
  basicText: 'unasked',
  noTray: false,
};

const integer = { type: 'integer' } as const;

/** electron-store's `schema`: the `properties` of the file's JSON Schema (draft 2020-12, checked by ajv). */
export const SETTINGS_SCHEMA = {
  startAtLogin: { type: 'boolean', default: false },
  basicText: { type: 'string', enum: ['unasked', 'accepted', 'declined'], default: 'unasked' },
  windowBounds: {
    type: 'object',
    properties: {
      x: integer,
      y: integer,
      width: { type: 'integer', minimum: 200 },
      height: { type: 'integer', minimum: 200 },
    },
    required: ['x', 'y', 'width', 'height'],
    additionalProperties: false,
  },
  noTray: { type: 'boolean', default: false },
} as const;
