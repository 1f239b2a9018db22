/** The caller of a broker connection, as the OS tells it (Linux) or as the tool reported it. */
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { peersFromSs, socketPeer, sshPeer } from './peer';
import { tempDir } from '../../test/support/broker-harness';

let tmp: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  tmp = await tempDir('kb-peer-');
});
afterEach(() => tmp.cleanup());

/** Accepts one connection from this process and resolves with the server's end of it. */
async function connectedPair(): Promise<{ server: net.Socket; client: net.Socket; close(): void }> {
  const path = join(tmp.dir, 's.sock');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(path, r));
  const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
  const client = net.connect(path);
  const server = await accepted;
  return {
    server,
    client,
    close() {
      client.destroy();
      server.destroy();
      srv.close();
    },
  };
}

describe('socketPeer', () => {
  it.skipIf(process.platform !== 'linux')(
    'names this very process as the peer, verified by the OS',
    async (ctx) => {
      const { execFileSync } = await import('node:child_process');
      try {
        execFileSync('ss', ['-V'], { stdio: 'ignore' });
      } catch {
        console.log('skipped: `ss` (iproute2) is not installed, so the OS cannot be asked for the peer');
        ctx.skip();
      }
      const pair = await connectedPair();
      try {
        // The tool claims another pid: the OS's answer wins.
        const peer = await socketPeer(pair.server, 1);
        expect(peer).toEqual({ pid: process.pid, verified: true, executable: process.execPath });
      } finally {
        pair.close();
      }
    },
  );

  it('falls back to the reported pid, marked unverified', async () => {
    // A socket the OS cannot be asked about (no descriptor): only the tool's own word is left.
    const unknown = {} as net.Socket;
    expect(await socketPeer(unknown, process.pid)).toMatchObject({ pid: process.pid, verified: false });
    expect(await socketPeer(unknown, undefined)).toBeUndefined();
  });
});

describe('sshPeer', () => {
  it.skipIf(process.platform !== 'linux')(
    'tells a caller whose process is OpenSSH (`ssh -R` forwarding here) from a local one',
    async (ctx) => {
      const { execFileSync, spawn } = await import('node:child_process');
      try {
        execFileSync('ss', ['-V'], { stdio: 'ignore' });
      } catch {
        console.log('skipped: `ss` (iproute2) is not installed, so the OS cannot be asked for the peer');
        ctx.skip();
      }
      const path = join(tmp.dir, 'b.sock');
      const srv = net.createServer();
      await new Promise<void>((r) => srv.listen(path, r));
      // A process named `ssh`: Node sets its main thread's name (/proc/PID/comm, what ss reports) from
      // process.title. Node 24 names it "MainThread" at start, so a link named `ssh` is not enough.
      const accepted = new Promise<net.Socket>((r) => srv.once('connection', r));
      const child = spawn(
        process.execPath,
        [
          '-e',
          `process.title = 'ssh'; require('net').connect(${JSON.stringify(path)}); setTimeout(() => {}, 30000)`,
        ],
        { stdio: 'ignore' },
      );
      try {
        const remote = await accepted;
        expect(await sshPeer(remote, performance.now())).toMatchObject({ pid: child.pid, verified: true });
        // This process is `node`: a local caller.
        const local = await connectedPair();
        try {
          expect(await sshPeer(local.server, performance.now())).toBeUndefined();
        } finally {
          local.close();
        }
      } finally {
        child.kill('SIGKILL');
        srv.close();
      }
    },
  );
});

describe('peersFromSs', () => {
  const peerPidFromSs = (table: string, inode: string) => peersFromSs(table).get(inode)?.pid;

  const table = [
    'Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process',
    'u_str ESTAB 0      0   * 218432            * 218433 users:(("python3",pid=29242,fd=20))',
    'u_str ESTAB 0      0   /run/kb/broker.sock 218433            * 218432 users:(("node",pid=7,fd=21))',
  ].join('\n');

  it('finds the process whose socket has ours as its peer', () => {
    expect(peerPidFromSs(table, '218433')).toBe(29242);
  });

  it('does not mistake our own end for the peer, nor invent one', () => {
    expect(peerPidFromSs(table, '218432')).toBe(7);
    expect(peerPidFromSs(table, '999')).toBeUndefined();
  });
});
