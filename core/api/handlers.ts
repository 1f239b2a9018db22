/**
 * The contract's methods on top of the session: the one Service every transport (broker, IPC, WebSocket)
 * dispatches to after it has checked the params against the contract's schemas.
 */
import type { AccountService } from '../account/account-service';
import type { Accounts } from '../account/accounts';
import type { ToolsService } from '../tools/tools-service';
import { KeybridgeError } from '../errors';
import type { SessionManager } from '../session/types';
import { PROTOCOL_VERSION, type Status } from './contract';
import type { Service } from './service';
import { VERSION } from '../version';

export const SERVER_INFO = { name: 'keybridge', version: VERSION };

export function createService(
  session: SessionManager,
  account: AccountService | undefined,
  /** Tool approval (credentials.* go through it), credentials.invalidate, Codex sharing (core/tools/tools-service). */
  tools: ToolsService,
  /** Several accounts: the list, switching, usage alerts and the automatic switch (core/account/accounts). */
  accounts?: Accounts,
): Service {
  const { close: _close, ...toolMethods } = tools;
  // Status carries the account's selected model (core/account); the session itself knows nothing of models.
  const decorate = (s: Status): Status => (account ? account.decorate(s) : s);
  const models = (): AccountService => {
    if (!account) throw new KeybridgeError('internal', 'This host does not serve models or usage.');
    return account;
  };
  const several = (): Accounts => {
    if (!accounts) throw new KeybridgeError('internal', 'This host does not manage several accounts.');
    return accounts;
  };
  return {
    hello: async () => ({ protocol: PROTOCOL_VERSION, server: SERVER_INFO }),
    'status.get': async () => decorate(session.status()),
    // credentials.get / credentials.invalidate (behind tool approval), tools.*, codex.*, broker notices.
    ...toolMethods,
    'auth.login': async (params) => {
      const info = await session.login({ method: params?.method });
      if (info.method === 'device' && info.verificationUrl && info.userCode) {
        return { verificationUrl: info.verificationUrl, userCode: info.userCode, expiresAt: info.expiresAt };
      }
      return { url: info.url, redirectUri: info.redirectUri };
    },
    'auth.wait': async () => decorate(await session.waitForSignIn()),
    'auth.cancel': async () => ({ cancelled: session.cancelSignIn() }),
    'auth.openUrl': async (params) => decorate(await session.openUrl(params.url)),
    'auth.logout': async (params) => session.logout(params ?? {}),
    'accounts.list': async () => several().list(),
    'accounts.switch': async (params) => several().switchTo(params.account, params.pin),
    'accounts.setAutoSwitch': async (params) => several().setAutoSwitch(params.enabled),
    'accounts.setPinned': async (params) => several().setPinned(params.pinned),
    'models.list': async (params) => models().listModels(params ?? {}),
    'models.select': async (params) => models().selectModel(params.slug),
    'usage.get': async (params) => {
      const usage = await models().usage(params ?? {});
      // Alerts and the automatic switch look at every fresh reading (docs/accounts.md).
      await accounts?.afterUsage(false);
      return usage;
    },
    onEvent: (listener) => {
      const offTools = toolMethods.onEvent(listener);
      const offList = accounts?.onList((payload) => listener({ name: 'accounts.changed', payload }));
      const offNotice = accounts?.onNotice((payload) => listener({ name: 'usage.notice', payload }));
      return () => {
        offTools();
        offList?.();
        offNotice?.();
      };
    },
    onStatus: (listener) => {
      const offSession = session.onChange((s) => listener(decorate(s)));
      // A new selection changes Status.selectedModel without a session event: send the status again.
      const offSelection = account?.onSelectionChange(() => listener(decorate(session.status())));
      return () => {
        offSession();
        offSelection?.();
      };
    },
  };
}
