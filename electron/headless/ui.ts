/**
 * Hook point for `keybridge serve --ui` (PRODUCT.md §5): the web transport (electron/headless/web) serves the
 * same UI in a browser over loopback. Until it lands `startUi` is undefined and `serve --ui` says so; the web
 * transport sets it here (one line) and `serve` does the rest: start it after the broker, print its URL,
 * close it first on shutdown.
 */
import type { KeybridgeConfig } from '../core/config';
import type { Host } from '../core/host';

export interface UiOptions {
  host: Host;
  config: KeybridgeConfig;
  /** `--port N`; undefined lets the UI pick a free loopback port. */
  port?: number;
  log: (line: string) => void;
}

export interface UiHandle {
  /** The loopback URL (with its one-time token) to open in a browser. */
  url: string;
  close(): Promise<void>;
}

export type UiStarter = (opts: UiOptions) => Promise<UiHandle>;

export const startUi: UiStarter | undefined = undefined;
