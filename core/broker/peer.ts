/**
 * Who is at the other end of a broker connection, "where the OS tells".
 *
 * Node exposes no SO_PEERCRED, so on Linux the socket's peer is found the way `ss -xp` shows it: our end's
 * inode (from /proc/self/fd) is the peer column of the client's end, whose line names its process (sock_diag
 * UNIX_DIAG_PEER). That costs a process spawn, so it runs only when a prompt needs it. Elsewhere (or when
 * `ss` is missing) the pid the tool reported in hello is used and marked unverified.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import type net from 'node:net';
import type { PeerInfo } from '../api/service';

/** The peer of `socket` as the OS tells it, or `reportedPid` (unverified), or undefined. Never throws. */
export async function socketPeer(socket: net.Socket, reportedPid?: number): Promise<PeerInfo | undefined> {
  if (process.platform === 'linux') {
    const peer = await linuxPeer(socket).catch(() => undefined);
    if (peer) return { pid: peer.pid, verified: true, executable: await executableOf(peer.pid) };
  }
  if (reportedPid === undefined) return undefined;
  return { pid: reportedPid, verified: false, executable: await executableOf(reportedPid) };
}

/**
 * What Keybridge adds to the client name of a caller that reached the broker through SSH: such a caller is a
 * tool on another machine, approved on its own and never under a local tool's name (docs/remote.md).
 */
export const THROUGH_SSH = ' (through SSH)';

/**
 * OpenSSH processes that hold the other end when a broker connection arrives through SSH: the client `ssh`
 * forwarding a remote socket here (`ssh -R remote:local`, what `keybridge remote ssh` runs), or the server
 * `sshd` (`sshd-session` since OpenSSH 9.8) when someone forwards into this machine (`ssh -L`).
 */
const SSH_PROCESSES = new Set(['ssh', 'sshd', 'sshd-session']);

/**
 * The peer of `socket` when it is an OpenSSH process (Linux, through the peer pid), else undefined. Cheap
 * when no OpenSSH process runs at all (one pass over /proc); the socket lookup (`ss`) runs only otherwise.
 * `acceptedAt` (performance.now() when the connection was accepted): connections arriving together share
 * one look at /proc and one `ss` run, any taken after they were accepted, so a burst of tools costs one spawn.
 */
export async function sshPeer(socket: net.Socket, acceptedAt: number): Promise<PeerInfo | undefined> {
  if (process.platform !== 'linux') return undefined;
  if (!(await sshProcesses.since(acceptedAt))) return undefined;
  const peer = await linuxPeer(socket, acceptedAt).catch(() => undefined);
  // ss names the process as the kernel does (/proc/PID/comm), so no second look is needed.
  if (!peer || !SSH_PROCESSES.has(peer.name)) return undefined;
  return { pid: peer.pid, verified: true, executable: await executableOf(peer.pid) };
}

/**
 * One run of `work` shared by every caller that can use a result begun after `since`. A caller that arrives
 * while a run it cannot use is in flight joins the one next run, so a burst costs a few runs, not one each.
 */
function sharedSince<T>(work: () => Promise<T>): { since(t: number): Promise<T> } {
  let last: { startedAt: number; result: Promise<T>; settled: boolean } | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const run = { startedAt: performance.now(), result: work(), settled: false };
    last = run;
    run.result.then(
      () => (run.settled = true),
      () => {
        run.settled = true;
        if (last === run) last = undefined;
      },
    );
    return run.result;
  };
  return {
    since(t) {
      if (last && last.startedAt >= t) return last.result;
      if (last && !last.settled) {
        next ??= last.result
          .catch(() => undefined)
          .then(() => {
            next = undefined;
            return start();
          });
        return next;
      }
      return start();
    },
  };
}

const sshProcesses = sharedSince(anySshProcess);
// Read once per `ss` run, not once per connection: a burst of connections shares one run and one parse.
const ssTable = sharedSince(async () => peersFromSs(await run('ss', ['-xpn'])));

/**
 * Whether any OpenSSH process runs, asked before every hello's peer check: one synchronous pass over /proc
 * that stops at the first one. procfs reads never wait on a disk, so the blocking calls cost a few µs each,
 * where one async read per process queued every process on libuv's four threads (20 ms for 70 processes
 * on a loaded 2-core machine, against 1.3 ms this way).
 */
async function anySshProcess(): Promise<boolean> {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return false;
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue; // not a pid: self, net, sys, …
    try {
      if (SSH_PROCESSES.has(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) return true;
    } catch {
      // the process ended while we looked
    }
  }
  return false;
}

async function linuxPeer(socket: net.Socket, since = performance.now()): Promise<SsPeer | undefined> {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  const link = await readlink(`/proc/self/fd/${fd}`);
  const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
  if (!inode) return undefined;
  return (await ssTable.since(since)).get(inode);
}

/** One process at the other end of a Unix socket, as `ss -xpn` names it. */
interface SsPeer {
  pid: number;
  name: string;
}

/**
 * From `ss -xpn` output, every socket's process keyed by the inode of its peer (our end). Lines look like
 * `u_str ESTAB 0 0 * 218432 * 218433 users:(("node",pid=29242,fd=20))`: local address, local inode, peer
 * address, peer inode, process.
 */
export function peersFromSs(table: string): Map<string, SsPeer> {
  const peers = new Map<string, SsPeer>();
  for (const line of table.split('\n')) {
    const m = /\s(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+)/.exec(line);
    if (m && m[2] !== m[4] && !peers.has(m[4]!)) peers.set(m[4]!, { pid: Number(m[6]), name: m[5]! });
  }
  return peers;
}

async function executableOf(pid: number): Promise<string | undefined> {
  if (process.platform === 'linux') {
    try {
      return await readlink(`/proc/${pid}/exe`);
    } catch {
      try {
        return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim() || undefined;
      } catch {
        return undefined;
      }
    }
  }
  if (process.platform === 'darwin') {
    return (await run('ps', ['-p', String(pid), '-o', 'comm=']).catch(() => '')).trim() || undefined;
  }
  return undefined;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 2000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}
