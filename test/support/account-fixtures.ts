/**
 * Sample `models.list` and `usage.get` answers for the transports' own test services (broker, web, IPC,
 * renderer store), which stand in for the host. The real path is tested against the ChatGPT stand-in
 * (test/support/chatgpt-server.ts).
 */
import type { AccountList, ModelList, Usage } from '../../core/api/contract';

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

/** Two accounts, Ada (Plus, active, 5-hour window at 42 %) and Grace (Pro, only a weekly window). */
export function sampleAccountList(overrides: Partial<AccountList> = {}): AccountList {
  const now = Date.now();
  return {
    accounts: [
      {
        accountId: 'acc-1',
        email: 'ada@example.com',
        planType: 'plus',
        active: true,
        state: 'signedIn',
        usage: {
          limitReached: false,
          windows: [
            { name: '5h', usedPercent: 42, resetsAt: new Date(now + 2 * 3_600_000).toISOString() },
            { name: 'weekly', usedPercent: 17, resetsAt: new Date(now + 3 * 86_400_000).toISOString() },
          ],
          fetchedAt: new Date(now).toISOString(),
        },
      },
      {
        accountId: 'acc-2',
        email: 'grace@example.com',
        planType: 'pro',
        active: false,
        state: 'signedIn',
        usage: {
          limitReached: false,
          windows: [
            { name: 'weekly', usedPercent: 60, resetsAt: new Date(now + 5 * 86_400_000).toISOString() },
          ],
          fetchedAt: new Date(now).toISOString(),
        },
      },
    ],
    activeAccountId: 'acc-1',
    autoSwitch: false,
    pinned: false,
    ...overrides,
  };
}
