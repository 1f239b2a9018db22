/**
 * Who is at the other end of a broker connection, "where the OS tells".
 *
 * Node exposes no SO_PEERCRED, so on Linux the socket's peer is found the way `ss -xp` shows it: our end's
 * inode (from /proc/self/fd) is the peer column of the client's end, whose line names its process (sock_diag
 * UNIX_DIAG_PEER). That costs a process spawn, so it runs only when a prompt needs it. Elsewhere (or when
 * `ss` is missing) the pid the tool reported in hello is used and marked unverified.
 */
import { execFile } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import type net from 'node:net';
import type { PeerInfo } from '../api/service';

/** The peer of `socket` as the OS tells it, or `reportedPid` (unverified), or undefined. Never throws. */
export async function socketPeer(socket: net.Socket, reportedPid?: number): Promise<PeerInfo | undefined> {
  if (process.platform === 'linux') {
    const pid = await linuxPeerPid(socket).catch(() => undefined);
    if (pid !== undefined) return { pid, verified: true, executable: await executableOf(pid) };
  }
  if (reportedPid === undefined) return undefined;
  return { pid: reportedPid, verified: false, executable: await executableOf(reportedPid) };
}

/** The pid a tool reported, with its executable where cheap to read; no OS peer lookup. */
export async function reportedPeer(reportedPid: number | undefined): Promise<PeerInfo | undefined> {
  if (reportedPid === undefined) return undefined;
  return { pid: reportedPid, verified: false, executable: await executableOf(reportedPid) };
}

async function linuxPeerPid(socket: net.Socket): Promise<number | undefined> {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  const link = await readlink(`/proc/self/fd/${fd}`);
  const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
  if (!inode) return undefined;
  const table = await run('ss', ['-xpn']);
  return peerPidFromSs(table, inode);
}

/**
 * From `ss -xpn` output, the pid of the socket whose peer is `inode` (our end). Lines look like
 * `u_str ESTAB 0 0 * 218432 * 218433 users:(("node",pid=29242,fd=20))`: local address, local inode, peer
 * address, peer inode, process.
 */
export function peerPidFromSs(table: string, inode: string): number | undefined {
  for (const line of table.split('\n')) {
    const m = /\s(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+users:\(\("(?:[^"\\]|\\.)*",pid=(\d+)/.exec(line);
    if (m && m[4] === inode && m[2] !== inode) return Number(m[5]);
  }
  return undefined;
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
