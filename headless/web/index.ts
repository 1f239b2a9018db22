/**
 * The browser transport behind `keybridge serve --ui`.
 *
 * Wiring (headless/ui.ts): `export { startUi } from './web';` — `startUi` has the UiStarter shape
 * that serve.ts calls after the broker is up; it serves the built renderer found by findRendererDir().
 */
import type { Service } from '../../core/api/service';
import { findRendererDir } from './renderer-dir';
import { startWebUi, type WebUi } from './server';

export { startWebUi, MAX_MESSAGE_BYTES, type WebUi, type WebUiOptions } from './server';
export { findRendererDir } from './renderer-dir';
export { CONTENT_SECURITY_POLICY, contentSecurityPolicy } from './security';

/** `serve --ui`'s starter: the host's Service over the web transport, on `port` (free one when omitted). */
export function startUi(opts: {
  host: { service: Service };
  port?: number;
  log: (line: string) => void;
  staticDir?: string;
}): Promise<WebUi> {
  return startWebUi({
    service: opts.host.service,
    port: opts.port,
    staticDir: opts.staticDir ?? findRendererDir(),
    log: opts.log,
  });
}
