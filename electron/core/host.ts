/**
 * The core, composed: provider client, vault, session and the Service the transports call. Both shells
 * (Electron main and `keybridge serve`) build their host here and add only their cipher and transports.
 */
import { createService } from './api/handlers';
import type { Service } from './api/service';
import { createOAuthClient } from './auth/client';
import type { OAuthClient } from './auth/types';
import type { KeybridgeConfig } from './config';
import { redact } from './errors';
import { Session } from './session/session';
import type { Cipher } from './vault/types';
import { Vault } from './vault/vault';

export interface HostOptions {
  config: KeybridgeConfig;
  cipher: Cipher;
  log?: (line: string) => void;
  /** Tests may pass a client built with other timeouts; the default is built from config.provider. */
  oauth?: OAuthClient;
}

export interface Host {
  service: Service;
  session: Session;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createHost(opts: HostOptions): Host {
  const raw = opts.log ?? (() => {});
  const log = (line: string) => raw(redact(line));
  const oauth = opts.oauth ?? createOAuthClient(opts.config.provider, { log });
  const vault = new Vault({ dir: opts.config.home, cipher: opts.cipher });
  const session = new Session({ auth: oauth, vault, storage: opts.cipher.info, log });
  return {
    service: createService(session),
    session,
    start: () => session.start(),
    close: () => session.close(),
  };
}
