/**
 * Hook point for `keybridge serve --ui` (README "CLI"): the web transport (headless/web) serves the
 * same UI in a browser over loopback. `serve` starts it after the broker, prints its URL and closes it first
 * on shutdown.
 */
import type { KeybridgeConfig } from '../core/config';
import type { Host } from '../core/host';
import { startUi as startWebUi } from './web';

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

/** The web transport's starter. */
export const startUi: UiStarter = startWebUi;
