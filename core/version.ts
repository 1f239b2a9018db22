/** Keybridge's version: set by the builds (scripts/build-node.mjs, build-electron.mjs) from package.json. */
declare const __KEYBRIDGE_VERSION__: string | undefined;

/** Under tsx/vitest (no build define) a development version. */
export const VERSION = typeof __KEYBRIDGE_VERSION__ === 'string' ? __KEYBRIDGE_VERSION__ : '0.0.0-dev';
