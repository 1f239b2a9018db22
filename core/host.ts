/**
 * The core, composed: provider client, vault, session and the Service the transports call. Both shells
 * (Electron main and `keybridge serve`) build their host here and add only their cipher and transports.
 */
import { AccountService } from './account/account-service';
import { createChatgptClient } from './account/chatgpt-client';
import { ModelCache } from './account/model-cache';
import { createService, SERVER_INFO } from './api/handlers';
import type { Service } from './api/service';
import { createOAuthClient } from './auth/client';
import { ApprovalGate } from './tools/approvals';
import { ToolRegistry } from './tools/registry';
import { createToolsService } from './tools/tools-service';
import { CodexSharing } from './codex/sharing';
import type { OAuthClient } from './auth/types';
import type { KeybridgeConfig } from './config';
import { redact } from './errors';
import { Session } from './session/session';
import { SettingsFile } from './settings-file';
import type { Cipher } from './vault/types';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Vault } from './vault/vault';

export interface HostOptions {
  config: KeybridgeConfig;
  cipher: Cipher;
  log?: (line: string) => void;
  /** Tests may pass a client built with other timeouts; the default is built from config.provider. */
  oauth?: OAuthClient;
  /** Tool approval when the configuration does not say: `ask` on the desktop, `allow` (default) headless. */
  defaultToolPolicy?: 'ask' | 'allow';
}

export interface Host {
  service: Service;
  session: Session;
  /** Models, the selected model and usage of the signed-in account (core/account). */
  account: AccountService;
  /** Tool approval (the shell shows its prompts) and sharing with Codex CLI (the tray toggles it). */
  gate: ApprovalGate;
  codex: CodexSharing;
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createHost(opts: HostOptions): Host {
  const raw = opts.log ?? (() => {});
  const log = (line: string) => raw(redact(line));
  const oauth = opts.oauth ?? createOAuthClient(opts.config.provider, { log });
  const vault = new Vault({ dir: opts.config.home, cipher: opts.cipher });
  const session = new Session({ auth: oauth, vault, storage: opts.cipher.info, log });
  const account = new AccountService({
    session,
    client: createChatgptClient({
      baseUrl: opts.config.provider.chatgptBase,
      tokens: session,
      clientVersion: SERVER_INFO.version,
      log,
    }),
    cache: new ModelCache(opts.config.home, log),
    settings: new SettingsFile(opts.config.home, log),
    log,
  });
  const registry = new ToolRegistry(opts.config.home, log);
  const gate = new ApprovalGate({
    registry,
    policy: opts.config.toolPolicy ?? opts.defaultToolPolicy ?? 'allow',
    timeoutMs: opts.config.approvalTimeoutMs,
    log,
  });
  const codex = new CodexSharing({
    dataDir: opts.config.home,
    codexHome: opts.config.codexHome ?? join(homedir(), '.codex'),
    session,
    log,
  });
  const tools = createToolsService({ session, gate, codex, log });
  return {
    service: createService(session, account, tools),
    session,
    account,
    gate,
    codex,
    start: async () => {
      await registry.load();
      await session.start();
      await codex.start();
      await account.start();
    },
    close: async () => {
      gate.close();
      tools.close();
      await codex.close();
      await registry.flush();
      await account.close();
      await session.close();
    },
  };
}
