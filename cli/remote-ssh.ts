/**
 * `keybridge remote ssh [ssh options] HOST [command]` (docs/remote.md "Tools on another machine"): opens an
 * SSH session that carries this computer's broker to HOST, the way `ssh -A` carries an SSH agent.
 *
 * - A private remote socket path: an unguessable name in /tmp, bound by the remote sshd with mode 0600
 *   (`StreamLocalBindMask=0177`), replacing a stale socket of an earlier session (`StreamLocalBindUnlink`);
 *   if the forward cannot be set up, ssh stops instead of running without it (`ExitOnForwardFailure`).
 * - `KEYBRIDGE_SOCKET` is exported for the remote shell or command.
 * - The one-file CLI (dist/keybridge.cjs) is sent along inside the command, written to a private temporary
 *   folder (mktemp -d, 0700) and put on PATH as `keybridge`; the folder and the socket are removed when the
 *   session ends. A remote machine without Node is told so: tools that speak the protocol still work.
 * - Only short-lived access tokens ever cross: the refresh token stays here, and callers on HOST are approved
 *   on their own, under their name plus " (through SSH)".
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { resolveBrokerEndpoint, type Env } from '../core/paths';
import { UsageError } from './args';

interface Out {
  out(text: string): void;
  err(text: string): void;
  env: Env;
}

/** OpenSSH client options that take a value (ssh(1) SYNOPSIS). */
const WITH_VALUE = new Set('BbcDEeFIiJLlmOoPpQRSWw');

export interface SshCommandLine {
  options: string[];
  host: string;
  command: string[];
}

/** Splits `[ssh options] HOST [command]` the way ssh itself does. */
export function parseSshArgs(args: readonly string[]): SshCommandLine {
  const options: string[] = [];
  let i = 0;
  for (; i < args.length; i += 1) {
    const arg = args[i]!;
    if (arg === '--') {
      i += 1;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    options.push(arg);
    // A cluster (-tt, -vp22): the first letter that takes a value ends it, its value attached or next.
    for (let j = 1; j < arg.length; j += 1) {
      if (!WITH_VALUE.has(arg[j]!)) continue;
      if (j === arg.length - 1) {
        const value = args[i + 1];
        if (value === undefined) throw new UsageError(`ssh option ${arg} needs a value.`);
        options.push(value);
        i += 1;
      }
      break;
    }
  }
  const host = args[i];
  if (host === undefined)
    throw new UsageError('remote ssh needs a host: keybridge remote ssh [ssh options] HOST [command]');
  return { options, host, command: args.slice(i + 1) };
}

/** POSIX shell single-quoting. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * What runs on the remote machine, in sh: make the private folder, unpack the CLI there when Node is found,
 * export the socket, run the command (or a login shell), and clean up however the session ends.
 */
const REMOTE_SCRIPT = `umask 077
sock=$1; payload=$2; cmd=$3
d=$(mktemp -d "\${TMPDIR:-/tmp}/keybridge.XXXXXXXX") || { echo "keybridge: could not make a private temporary folder" >&2; exit 1; }
trap 'rm -rf "$d"; rm -f "$sock"' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
export KEYBRIDGE_SOCKET="$sock"
if [ -z "$payload" ]; then
  :
elif command -v node >/dev/null 2>&1; then
  node -e 'require("fs").writeFileSync(process.argv[1], require("zlib").gunzipSync(Buffer.from(process.argv[2], "base64")), { mode: 0o600 })' "$d/keybridge.cjs" "$payload" || exit 1
  cat > "$d/keybridge" <<'LAUNCHER'
#!/usr/bin/env node
require(require('path').join(__dirname, 'keybridge.cjs')).main();
LAUNCHER
  chmod 700 "$d/keybridge"
  PATH="$d:$PATH"; export PATH
  echo "keybridge: this session can use your desktop's Keybridge: KEYBRIDGE_SOCKET=$sock, keybridge is in $d (removed when you leave)." >&2
else
  echo "keybridge: Node.js was not found on this machine, so the keybridge command is not available here. KEYBRIDGE_SOCKET=$sock is set: tools that speak the broker protocol can still use it." >&2
fi
if [ -n "$cmd" ]; then "\${SHELL:-/bin/sh}" -c "$cmd"; else "\${SHELL:-/bin/sh}" -l; fi`;

export interface RemoteSshOptions {
  /** The CLI bundle to send; default the running one (dist/keybridge.cjs). */
  bundle?: string;
  /** The ssh program. Default `ssh` from PATH. */
  ssh?: string;
  /** Chooses the remote socket name (tests). */
  random?: () => string;
}

export async function remoteSsh(
  args: readonly string[],
  io: Out,
  opts: RemoteSshOptions = {},
): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'ssh')
    throw new UsageError('remote needs ssh: keybridge remote ssh [ssh options] HOST [command]');
  const line = parseSshArgs(rest);
  if (process.platform === 'win32') {
    io.err(
      'keybridge remote ssh needs a Unix socket broker; on Windows, forward the socket of a WSL or macOS/Linux host instead.\n',
    );
    return 1;
  }
  const local = resolveBrokerEndpoint(io.env);
  if (!(await answers(local))) {
    io.err(
      `Keybridge is not running on this computer (nothing answers at ${local}). Start it first, then try again.\n`,
    );
    return 1;
  }

  const remote = `/tmp/keybridge-${opts.random?.() ?? randomBytes(12).toString('hex')}.sock`;
  const bundle = opts.bundle ?? defaultBundle();
  let payload = '';
  if (bundle && existsSync(bundle)) payload = gzipSync(readFileSync(bundle)).toString('base64');
  else
    io.err(
      'keybridge: the one-file CLI (dist/keybridge.cjs) was not found, so it will not be copied; run `npm run build:node`.\n',
    );

  const interactive = line.command.length === 0;
  const sshArgs = [
    ...line.options,
    // The remote socket gets mode 0600 (umask 0177 at bind), an earlier session's stale socket is replaced,
    // and a forward that fails stops the session instead of leaving tools without a broker.
    '-o',
    'StreamLocalBindMask=0177',
    '-o',
    'StreamLocalBindUnlink=yes',
    '-o',
    'ExitOnForwardFailure=yes',
    '-R',
    `${remote}:${local}`,
    // A command is given below, so ssh would not allocate a terminal for the login shell on its own.
    ...(interactive && process.stdin.isTTY && !line.options.some((o) => /^-[^-]*T/.test(o)) ? ['-t'] : []),
    line.host,
    [
      'sh',
      '-c',
      shellQuote(REMOTE_SCRIPT),
      'keybridge-remote',
      shellQuote(remote),
      shellQuote(payload),
      shellQuote(line.command.join(' ')),
    ].join(' '),
  ];

  io.err(
    [
      `keybridge: forwarding this computer's Keybridge to ${line.host} for this session:`,
      `  ${remote} on ${line.host} leads to ${local} here (mode 0600: your remote user can use it, and so can root there while you are connected);`,
      `  KEYBRIDGE_SOCKET is set there, and the keybridge command is copied to a private temporary folder, removed when the session ends.`,
      `  Tools there get short-lived access tokens only, after you approve them as "NAME (through SSH)"; the refresh token never leaves this computer.`,
      '',
    ].join('\n'),
  );

  return new Promise<number>((done) => {
    const child = spawn(opts.ssh ?? 'ssh', sshArgs, { stdio: 'inherit' });
    // Ctrl+C belongs to the remote session (through the terminal); keybridge just waits for ssh. Being told
    // to stop (SIGTERM, SIGHUP) ends the session, which cleans up on the remote side.
    const ignore = () => undefined;
    const forward = (signal: NodeJS.Signals) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    process.on('SIGINT', ignore);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    const finish = (code: number) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      done(code);
    };
    child.once('error', (e: NodeJS.ErrnoException) => {
      io.err(
        `Cannot run ssh: ${e.code === 'ENOENT' ? 'it is not installed (Debian: apt-get install openssh-client)' : e.message}\n`,
      );
      finish(127);
    });
    child.once('exit', (code, signal) => finish(code ?? (signal ? 128 + 1 : 1)));
  });
}

function defaultBundle(): string | undefined {
  // Bundled (dist/keybridge.cjs), __dirname is dist/.
  return typeof __dirname === 'string' ? join(__dirname, 'keybridge.cjs') : undefined;
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
