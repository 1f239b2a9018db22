/**
 * Argument parsing for `keybridge` (README "CLI"), by hand: a parser library would cost start-up time that
 * `keybridge token` cannot spare.
 */

export type Command =
  | 'status'
  | 'token'
  | 'login'
  | 'logout'
  | 'open-url'
  | 'watch'
  | 'exec'
  | 'serve'
  | 'models'
  | 'codex'
  | 'accounts'
  | 'switch'
  | 'usage'
  | 'help'
  | 'version';

export interface Parsed {
  command: Command;
  /** Boolean flags are `true`; flags with a value hold it. */
  flags: Record<string, string | true>;
  positionals: string[];
  /** `exec`: everything after `--`. */
  rest: string[];
  /** `help <command>` */
  topic?: string;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Spec {
  /** flag name → takes a value */
  flags: Record<string, boolean>;
  positionals: [min: number, max: number];
  rest?: boolean;
}

const SPECS: Record<Exclude<Command, 'help' | 'version'>, Spec> = {
  status: { flags: { json: false }, positionals: [0, 0] },
  token: { flags: { json: false, 'min-ttl': true, account: true }, positionals: [0, 0] },
  login: { flags: { 'no-browser': false }, positionals: [0, 0] },
  logout: { flags: { account: true, all: false }, positionals: [0, 0] },
  'open-url': { flags: {}, positionals: [1, 1] },
  watch: { flags: {}, positionals: [0, 0] },
  exec: { flags: { env: true, 'min-ttl': true, account: true }, positionals: [0, 0], rest: true },
  serve: { flags: { ui: false, port: true }, positionals: [0, 0] },
  models: { flags: { json: false, refresh: false, account: true }, positionals: [0, 0] },
  accounts: { flags: { json: false }, positionals: [0, 0] },
  switch: { flags: {}, positionals: [1, 1] },
  usage: { flags: { json: false, account: true, refresh: false }, positionals: [0, 0] },
  codex: { flags: { json: false, 'replace-existing': false }, positionals: [1, 1] },
};

export function parseArgs(argv: readonly string[]): Parsed {
  const [first, ...more] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    if (more.length > 1 || (more[0] !== undefined && !(more[0] in SPECS))) {
      throw new UsageError(`Unknown help topic: ${more.join(' ')}`);
    }
    return { command: 'help', flags: {}, positionals: [], rest: [], topic: more[0] };
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    if (more.length > 0) throw new UsageError(`${first} takes no arguments.`);
    return { command: 'version', flags: {}, positionals: [], rest: [] };
  }
  if (!(first in SPECS)) {
    throw new UsageError(first.startsWith('-') ? `Unknown option: ${first}` : `Unknown command: ${first}`);
  }
  const command = first as keyof typeof SPECS;
  const spec = SPECS[command];
  const flags: Record<string, string | true> = {};
  const positionals: string[] = [];
  let rest: string[] = [];
  for (let i = 0; i < more.length; i += 1) {
    const arg = more[i]!;
    if (arg === '--help' || arg === '-h')
      return { command: 'help', flags: {}, positionals: [], rest: [], topic: command };
    if (arg === '--') {
      if (!spec.rest) throw new UsageError(`${command} takes no command after --.`);
      rest = more.slice(i + 1);
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      if (!(name in spec.flags)) throw new UsageError(`Unknown option for ${command}: --${name}`);
      if (name in flags) throw new UsageError(`--${name} given twice.`);
      if (spec.flags[name]) {
        const value = eq === -1 ? more[++i] : arg.slice(eq + 1);
        if (value === undefined || value === '') throw new UsageError(`--${name} needs a value.`);
        flags[name] = value;
      } else {
        if (eq !== -1) throw new UsageError(`--${name} takes no value.`);
        flags[name] = true;
      }
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') throw new UsageError(`Unknown option for ${command}: ${arg}`);
    positionals.push(arg);
  }
  const [min, max] = spec.positionals;
  if (positionals.length < min)
    throw new UsageError(`${command} needs ${min === 1 ? 'an argument' : `${min} arguments`}.`);
  if (positionals.length > max)
    throw new UsageError(`Unexpected argument for ${command}: ${positionals[max]}`);
  if (spec.rest && rest.length === 0) throw new UsageError(`${command} needs a command after --.`);
  // Values are checked here, before any connection, so a typo is a usage error (exit 2), not a host error.
  parseSeconds(flags['min-ttl'], 'min-ttl');
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!/^\d+$/.test(String(flags.port)) || port < 1 || port > 65535) {
      throw new UsageError('--port must be a port number from 1 to 65535.');
    }
    if (!flags.ui) throw new UsageError('--port is the port of the UI: use it with --ui.');
  }
  if (flags.all && flags.account !== undefined) {
    throw new UsageError('--all signs out every account: leave out --account, or --all.');
  }
  if (typeof flags.account === 'string' && flags.account.length > 320) {
    throw new UsageError('--account takes an email or an account id (at most 320 characters).');
  }
  if (typeof flags.env === 'string' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(flags.env)) {
    throw new UsageError(`--env must be an environment variable name, not ${flags.env}.`);
  }
  return { command, flags, positionals, rest };
}

/** `--min-ttl S`: whole seconds, 0–86400 (the contract's bounds). */
export function parseSeconds(value: string | true | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > 86_400)
    throw new UsageError(`--${flag} must be a whole number of seconds from 0 to 86400.`);
  return n;
}

export const USAGE = `Usage: keybridge <command> [options]

Commands:
  status [--json]               Show whether you are signed in (exit 0 signed in, 4 not signed in, 1 error)
  token [--min-ttl S] [--json] [--account X]
                                Print a fresh access token (refreshed first if less than S seconds remain)
  login [--no-browser]          Sign in with OpenAI in the browser (while signed in: add an account)
  logout [--account X | --all]  Sign out the active account (or X, or all): revoke the tokens and forget them
  accounts [--json]             List the signed-in accounts (* marks the active one; exit 4 when none)
  switch EMAIL|ACCOUNT_ID       Make another signed-in account the active one
  usage [--json] [--account X] [--refresh]
                                Show each account's 5-hour and weekly usage
  open-url URL                  Finish a sign-in with the redirect URL the browser ended on
  watch                         Print status changes as NDJSON until the host stops
  exec [--env NAME] [--min-ttl S] [--account X] -- CMD...
                                Run CMD with OPENAI_ACCESS_TOKEN (or NAME) and CHATGPT_ACCOUNT_ID set
  serve [--ui] [--port N]       Run the headless host (the broker tools connect to)
  models [--json] [--refresh] [--account X]
                                List the models your plan offers (* marks the selected default)
  codex enable [--replace-existing] | disable | status [--json]
                                Share this session with Codex CLI ($CODEX_HOME/auth.json, never the refresh token)
  help [COMMAND]                Show this help
  --version                     Show the version

Environment:
  KEYBRIDGE_SOCKET   broker endpoint      KEYBRIDGE_HOME   data folder
  KEYBRIDGE_TIMEOUT  seconds a call may take (default 30; sign-in and approval waits get longer)
  KEYBRIDGE_AUTO_SWITCH=1  switch accounts automatically when the active one reaches a limit

Without --account, token, exec and models use the active account.
`;
