import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './args';
import { formatDuration, formatStatus, planLabel, statusExitCode } from './format';

describe('parseArgs', () => {
  it('reads commands, flags in both forms, positionals and the command after --', () => {
    expect(parseArgs(['status', '--json'])).toMatchObject({ command: 'status', flags: { json: true } });
    expect(parseArgs(['token', '--min-ttl=30'])).toMatchObject({
      command: 'token',
      flags: { 'min-ttl': '30' },
    });
    expect(parseArgs(['token', '--min-ttl', '0', '--json'])).toMatchObject({
      flags: { 'min-ttl': '0', json: true },
    });
    expect(parseArgs(['open-url', 'keybridge://oauth/callback?code=1'])).toMatchObject({
      positionals: ['keybridge://oauth/callback?code=1'],
    });
    expect(parseArgs(['exec', '--env', 'TOK', '--', 'curl', '--json', 'x'])).toMatchObject({
      command: 'exec',
      flags: { env: 'TOK' },
      rest: ['curl', '--json', 'x'],
    });
    expect(parseArgs(['serve', '--ui', '--port', '8080'])).toMatchObject({
      command: 'serve',
      flags: { ui: true, port: '8080' },
    });
  });

  it('reads the commands of several accounts and --account where it applies', () => {
    expect(parseArgs(['accounts', '--json'])).toMatchObject({ command: 'accounts', flags: { json: true } });
    expect(parseArgs(['switch', 'ada@example.com'])).toMatchObject({
      command: 'switch',
      positionals: ['ada@example.com'],
    });
    expect(parseArgs(['usage', '--json', '--account', 'acc-1', '--refresh'])).toMatchObject({
      command: 'usage',
      flags: { json: true, account: 'acc-1', refresh: true },
    });
    expect(parseArgs(['logout', '--all'])).toMatchObject({ command: 'logout', flags: { all: true } });
    expect(parseArgs(['logout', '--account=acc-1'])).toMatchObject({ flags: { account: 'acc-1' } });
    for (const command of ['token', 'models']) {
      expect(parseArgs([command, '--account', 'grace@example.com'])).toMatchObject({
        flags: { account: 'grace@example.com' },
      });
    }
    expect(parseArgs(['exec', '--account', 'acc-1', '--', 'env'])).toMatchObject({
      flags: { account: 'acc-1' },
      rest: ['env'],
    });
  });

  it('treats no arguments, help and --help as help, --version and -V as version', () => {
    expect(parseArgs([]).command).toBe('help');
    expect(parseArgs(['help', 'token'])).toMatchObject({ command: 'help', topic: 'token' });
    expect(parseArgs(['token', '--help'])).toMatchObject({ command: 'help', topic: 'token' });
    expect(parseArgs(['--version']).command).toBe('version');
    expect(parseArgs(['-V']).command).toBe('version');
  });

  it.each([
    [['nope'], 'Unknown command: nope'],
    [['-x'], 'Unknown option: -x'],
    [['status', '--json=yes'], '--json takes no value'],
    [['status', '--json', '--json'], 'given twice'],
    [['token', '--min-ttl', '86401'], 'from 0 to 86400'],
    [['token', '--min-ttl', '-1'], 'whole number'],
    [['token', '--min-ttl', '1.5'], 'whole number'],
    [['login', '-n'], 'Unknown option for login: -n'],
    [['open-url', 'a', 'b'], 'Unexpected argument for open-url: b'],
    [['exec', '--env', 'A-B', '--', 'x'], 'environment variable name'],
    [['exec'], 'needs a command after --'],
    [['status', '--', 'x'], 'takes no command after --'],
    [['serve', '--port', '8080'], 'use it with --ui'],
    [['serve', '--ui', '--port', '70000'], 'port number'],
    [['help', 'nope'], 'Unknown help topic'],
    [['switch'], 'switch needs an argument'],
    [['switch', 'a', 'b'], 'Unexpected argument for switch: b'],
    [['logout', '--all', '--account', 'ada@example.com'], 'leave out --account, or --all'],
    [['token', '--account'], '--account needs a value'],
    [['usage', '--account', 'x'.repeat(321)], 'at most 320 characters'],
    [['accounts', '--account', 'x'], 'Unknown option for accounts: --account'],
  ])('%j → %s', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('status for people', () => {
  const storage = { kind: 'os-keyring', protected: true, description: 'OS keyring (Secret Service)' };
  const now = Date.parse('2030-01-01T12:00:00Z');

  it('shows account, plan and token health on the first line', () => {
    const lines = formatStatus(
      {
        state: 'signedIn',
        account: { email: 'ada@example.com', planType: 'pro', accountId: 'acct-1' },
        expiresAt: '2030-01-01T15:12:30Z',
        lastRefreshAt: '2030-01-01T11:48:00Z',
        selectedModel: 'gpt-5-codex',
        storage,
      },
      now,
    );
    expect(lines).toEqual([
      'Signed in as ada@example.com · Pro · token valid for 3 h 12 min',
      'Account: acct-1',
      'Last refresh: 12 min ago',
      'Default model: gpt-5-codex',
      'Storage: OS keyring (Secret Service)',
    ]);
  });

  it('says what to do when not signed in, and shows the last error', () => {
    expect(formatStatus({ state: 'signedOut', storage }, now)[0]).toBe(
      'Not signed in. Run `keybridge login` to sign in.',
    );
    const expired = formatStatus(
      {
        state: 'expired',
        storage,
        lastError: { code: 'relogin_required', message: 'The refresh token was revoked.' },
      },
      now,
    );
    expect(expired).toContain('Last error: The refresh token was revoked.');
    expect(expired[0]).toContain('keybridge login');
  });

  it('names the active account and counts the others', () => {
    const lines = formatStatus(
      {
        state: 'signedIn',
        account: { email: 'ada@example.com', planType: 'plus', accountId: 'acc-1' },
        otherAccounts: 2,
        storage,
      },
      Date.now(),
    );
    expect(lines[0]).toMatch(/^Signed in as ada@example\.com \(active account\) · Plus/);
    expect(lines).toContainEqual(expect.stringMatching(/^Other accounts: 2 /));
  });

  it('maps states to the documented exit codes', () => {
    expect(
      (['signedIn', 'refreshing', 'signedOut', 'signingIn', 'expired', 'error'] as const).map((state) =>
        statusExitCode({ state }),
      ),
    ).toEqual([0, 0, 4, 4, 4, 1]);
  });

  it('names plans and durations the way people say them', () => {
    expect(planLabel('plus')).toBe('Plus');
    expect(planLabel('prolite')).toBe('Pro Lite');
    expect(planLabel('galaxy_brain')).toBe('galaxy_brain');
    expect(planLabel(null)).toBe('unknown plan');
    expect(formatDuration(30_000)).toBe('less than a minute');
    expect(formatDuration(52 * 60_000)).toBe('52 min');
    expect(formatDuration(3 * 3_600_000)).toBe('3 h');
    expect(formatDuration(50 * 3_600_000)).toBe('2 d 2 h');
  });
});
