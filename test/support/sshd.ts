/**
 * A real OpenSSH server on loopback for the forwarding tests: `/usr/sbin/sshd -D -e -f <config>` on a free
 * port, with a throw-away host key and user key (ssh-keygen) in a temp folder, stream-local forwarding on,
 * and an `ssh` argument list that reaches it (no known_hosts, no agent, no user config).
 *
 * The "remote machine" is this machine as the same user (root in CI): what the tests show is the way
 * through ssh -R, which is the same whichever machine is at the other end.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './host';

const run = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  port: number;
  user: string;
  /** `ssh` options that reach this server (put before the host). */
  sshOptions: string[];
  /** The host argument: `user@127.0.0.1`. */
  target: string;
  /** The server's log (sshd -e writes it to stderr). */
  log(): string;
  stop(): Promise<void>;
}

/** Why the SSH tests cannot run here, or undefined when they can. */
export function sshdMissing(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is not installed (Debian: apt-get install openssh-server)`;
  for (const tool of ['/usr/bin/ssh', '/usr/bin/ssh-keygen']) {
    if (!existsSync(tool)) return `${tool} is not installed (Debian: apt-get install openssh-client)`;
  }
  return undefined;
}

export async function startSshd(): Promise<Sshd> {
  const dir = await mkdtemp(join(tmpdir(), 'kb-sshd-'));
  const hostKey = join(dir, 'host_ed25519');
  const userKey = join(dir, 'user_ed25519');
  await Promise.all([
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]),
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', userKey]),
  ]);
  const authorized = join(dir, 'authorized_keys');
  await writeFile(authorized, await readFile(`${userKey}.pub`), { mode: 0o600 });
  const port = await freePort();
  const config = join(dir, 'sshd_config');
  await writeFile(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorized}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      // Tests run as root in CI; a key is still required.
      'PermitRootLogin prohibit-password',
      // The temp folder is not the user's home: skip the ownership checks meant for ~/.ssh.
      'StrictModes no',
      'AllowStreamLocalForwarding yes',
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  // sshd's privilege-separation folder, missing in a container where sshd never ran as a service.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }).catch(() => undefined);

  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const deadline = Date.now() + 15_000;
  while (!/Server listening on 127\.0\.0\.1 port/.test(log)) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}:\n${log}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sshd did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const user = userInfo().username;
  return {
    port,
    user,
    target: `${user}@127.0.0.1`,
    sshOptions: [
      '-F',
      '/dev/null',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'LogLevel=ERROR',
      '-i',
      userKey,
      '-p',
      String(port),
    ],
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
