/**
 * The core, composed: provider client, vault, session and the Service the transports call. Both shells
 * (Electron main and `keybridge serve`) build their host here and add only their cipher and transports.
 */
import { AccountService } from './account/account-service';
import { Accounts } from './account/accounts';
import { createChatgptClient, type ChatgptClient } from './account/chatgpt-client';
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
  /** Models, the selected model and usage of each signed-in account (core/account). */
  account: AccountService;
  /** Several accounts: the list, switching, usage alerts, the automatic switch (core/account/accounts). */
  accounts: Accounts;
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
  // One ChatGPT client per account, each asking with that account's tokens (and refreshing only that one).
  const clients = new Map<string, ChatgptClient>();
  const clientFor = (accountId: string): ChatgptClient => {
    let client = clients.get(accountId);
    if (!client) {
      client = createChatgptClient({
        baseUrl: opts.config.provider.chatgptBase,
        tokens: {
          credentials: (minTtlSeconds) => session.credentials(minTtlSeconds, accountId),
          refresh: () => session.refresh(accountId),
        },
        clientVersion: SERVER_INFO.version,
        log,
      });
      clients.set(accountId, client);
    }
    return client;
  };
  const settings = new SettingsFile(opts.config.home, log);
  const account = new AccountService({
    session,
    client: createChatgptClient({
      baseUrl: opts.config.provider.chatgptBase,
      tokens: session,
      clientVersion: SERVER_INFO.version,
      log,
    }),
    clientFor,
    cache: new ModelCache(opts.config.home, log),
    settings,
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
  const accounts = new Accounts({
    session,
    usage: account,
    settings,
    autoSwitch: opts.config.autoSwitch,
    toolsConnected: () => gate.list().some((t) => t.connections > 0),
    log,
  });
  return {
    service: createService(session, account, tools, accounts),
    session,
    account,
    accounts,
    gate,
    codex,
    start: async () => {
      await registry.load();
      await session.start();
      await codex.start();
      await account.start();
      accounts.start();
    },
    close: async () => {
      accounts.close();
      gate.close();
      tools.close();
      await codex.close();
      await registry.flush();
      await account.close();
      await session.close();
    },
  };
}
