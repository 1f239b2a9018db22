/**
 * Sample `models.list` and `usage.get` answers for the transports' own test services (broker, web, IPC,
 * renderer store), which stand in for the host. The real path is tested against the ChatGPT stand-in
 * (test/support/chatgpt-server.ts).
 */
import type { AccountList, ModelList, Status, Usage, UsageNotice } from '../../core/api/contract';

export function sampleModelList(selected: string | null = null): ModelList {
  return {
    models: [
      {
        slug: 'gpt-5.1-codex',
        displayName: 'GPT-5.1 Codex',
        description: 'Optimized for coding tasks with many tools.',
        contextWindow: 272_000,
        reasoningLevels: ['low', 'medium', 'high'],
        priority: 1,
      },
      {
        slug: 'gpt-5.1',
        displayName: 'GPT-5.1',
        description: 'Broad world knowledge with strong general reasoning.',
        contextWindow: 272_000,
        reasoningLevels: ['minimal', 'low', 'medium', 'high'],
        priority: 2,
      },
      {
        slug: 'gpt-5.1-codex-mini',
        displayName: 'GPT-5.1 Codex Mini',
        description: 'Cheaper, faster, less capable.',
        contextWindow: 272_000,
        priority: 3,
      },
    ],
    selected,
    fetchedAt: new Date(Date.now() - 4 * 60_000).toISOString(),
    source: 'server',
    stale: false,
    planType: 'plus',
  };
}

export function sampleUsage(): Usage {
  const now = Date.now();
  return {
    primary: {
      usedPercent: 42,
      windowSeconds: 18_000,
      resetsAt: new Date(now + (2 * 60 + 10) * 60_000).toISOString(),
    },
    secondary: {
      usedPercent: 17,
      windowSeconds: 604_800,
      resetsAt: new Date(now + (3 * 24 + 5) * 3_600_000).toISOString(),
    },
    planType: 'plus',
    fetchedAt: new Date(now).toISOString(),
    source: 'server',
  };
}

/** The account list a one-account host shows for `status` (the fake services' accounts.*). */
export function accountListFor(status: Status, extra: Partial<AccountList> = {}): AccountList {
  const a = status.account;
  const signedIn =
    a && (status.state === 'signedIn' || status.state === 'refreshing' || status.state === 'expired');
  const id = a?.accountId ?? 'default';
  return {
    accounts: signedIn
      ? [{ accountId: id, email: a.email, planType: a.planType, active: true, state: status.state }]
      : [],
    activeAccountId: signedIn ? id : null,
    autoSwitch: false,
    pinned: false,
    ...extra,
  };
}

/** The Bridge's account methods for fake bridges that show one account (they only answer). */
export function accountBridgeStubs(status: () => Status) {
  return {
    listAccounts: async () => accountListFor(status()),
    switchAccount: async (_account: string, opts?: { pin?: boolean }) =>
      accountListFor(status(), { pinned: opts?.pin === true }),
    setAutoSwitch: async (enabled: boolean) => accountListFor(status(), { autoSwitch: enabled }),
    setPinned: async (pinned: boolean) => accountListFor(status(), { pinned }),
    onAccounts: (_listener: (list: AccountList) => void) => () => {},
    onUsageNotice: (_listener: (notice: UsageNotice) => void) => () => {},
  };
}
