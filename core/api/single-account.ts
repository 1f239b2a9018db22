/**
 * The accounts methods for a host that holds one session: the list has the signed-in account (or none),
 * switching names only that one, and auto-switch and pinning have nothing to choose between. The vault of
 * several accounts replaces this; until then the UI's switcher works against one account.
 */
import { KeybridgeError } from '../errors';
import type { AccountList, AccountSummary, Status } from './contract';
import type { MethodHandlers } from './service';

type AccountsHandlers = Pick<
  MethodHandlers,
  'accounts.list' | 'accounts.switch' | 'accounts.setAutoSwitch' | 'accounts.setPinned'
>;

export function singleAccountList(status: Status): AccountList {
  const a = status.account;
  const holdsOne = a?.accountId && status.state !== 'signedOut' && status.state !== 'signingIn';
  const accounts: AccountSummary[] = holdsOne
    ? [
        {
          accountId: a.accountId!,
          email: a.email,
          planType: a.planType,
          active: true,
          state: status.state,
          ...(status.lastError ? { lastError: status.lastError } : {}),
        },
      ]
    : [];
  return { accounts, activeAccountId: accounts[0]?.accountId ?? null, autoSwitch: false, pinned: false };
}

export function singleAccountHandlers(status: () => Status): AccountsHandlers {
  return {
    'accounts.list': async () => singleAccountList(status()),
    'accounts.switch': async (params) => {
      const list = singleAccountList(status());
      const known = list.accounts.find((x) => x.accountId === params.account || x.email === params.account);
      if (!known) {
        const names = list.accounts.map((x) => x.email ?? x.accountId).join(', ') || 'none';
        throw new KeybridgeError(
          'invalid_params',
          `No account "${params.account}". Known accounts: ${names}.`,
        );
      }
      return list;
    },
    'accounts.setAutoSwitch': async () => {
      throw new KeybridgeError('invalid_params', 'Auto-switch needs more than one account.');
    },
    'accounts.setPinned': async () => singleAccountList(status()),
  };
}
