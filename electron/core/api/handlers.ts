/**
 * The contract's methods on top of the session: the one Service every transport (broker, IPC, WebSocket)
 * dispatches to after it has checked the params against the contract's schemas.
 */
import type { SessionManager } from '../session/types';
import { PROTOCOL_VERSION } from './contract';
import type { Service } from './service';

export const SERVER_INFO = { name: 'keybridge', version: '0.1.0' };

export function createService(session: SessionManager): Service {
  return {
    hello: async () => ({ protocol: PROTOCOL_VERSION, server: SERVER_INFO }),
    'status.get': async () => session.status(),
    'credentials.get': async (params) => session.credentials(params?.minTtlSeconds),
    'auth.login': async () => {
      const info = await session.login();
      return { url: info.url, redirectUri: info.redirectUri };
    },
    'auth.wait': async () => session.waitForSignIn(),
    'auth.cancel': async () => ({ cancelled: session.cancelSignIn() }),
    'auth.openUrl': async (params) => session.openUrl(params.url),
    'auth.logout': async () => session.logout(),
    onStatus: (listener) => session.onChange(listener),
  };
}
