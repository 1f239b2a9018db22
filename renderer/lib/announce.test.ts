import { describe, expect, it } from 'vitest';
import type { Status } from '../../core/api/contract';
import { announce, statePill } from './announce';

const storage = { kind: 'os-keyring', protected: true, description: 'System keyring' };

describe('announce', () => {
  it('says who is signed in, with the plan', () => {
    const s: Status = {
      state: 'signedIn',
      storage,
      account: { email: 'ada@example.com', planType: 'plus', accountId: 'acc-1' },
    };
    expect(announce(s, 'open')).toBe('Signed in as ada@example.com, Plus plan.');
    expect(statePill(s)).toEqual({ label: 'Connected', tone: 'ok' });
  });
  it('puts a lost connection first', () => {
    expect(announce({ state: 'signedOut', storage }, 'reconnecting')).toBe('Reconnecting to Keybridge…');
  });
  it('flags a signed-in session with a problem as needing attention', () => {
    const s: Status = { state: 'signedIn', storage, lastError: { code: 'network', message: 'Offline' } };
    expect(statePill(s)?.tone).toBe('warn');
    expect(statePill({ state: 'expired', storage })?.label).toBe('Needs attention');
  });
});
