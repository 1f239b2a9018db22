import type { Bridge } from '../../core/api/bridge';

/**
 * Where the UI stands with the host. The Electron preload is always `open`; the browser's WebSocket goes
 * through the others when the host restarts or the tab's one-time link is no longer valid.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

export interface ConnectionSource {
  onConnection(listener: (state: ConnectionState) => void): () => void;
  connectionState(): ConnectionState;
  /** Try again now (after `unauthorized`, or to skip the backoff wait). */
  reconnect(): void;
}

/** What the renderer holds: the Bridge, plus connection events when the transport has them. */
export type UiBridge = Bridge & Partial<ConnectionSource>;

/** An error the host answered with: `code` is the core's ErrorCode (or a transport code), `message` is redacted. */
export class BridgeError extends Error {
  override readonly name = 'BridgeError';
  constructor(
    readonly code: string,
    message: string,
    readonly rpcCode?: number,
  ) {
    super(message);
  }
}

/** The code and message of anything a bridge call rejected with, for display. */
export function errorInfo(e: unknown): { code: string; message: string } {
  if (e && typeof e === 'object') {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof message === 'string' && message !== '') {
      return { code: typeof code === 'string' ? code : 'internal', message };
    }
  }
  return { code: 'internal', message: 'Something went wrong. Try again.' };
}
