/**
 * A local Electron release mirror for `npm start`'s first-run test: serves, under `/v{version}/`, a
 * stand-in `electron-v{version}-{platform}-{arch}.zip` and its `SHASUMS256.txt`, the two files Electron's
 * installer (@electron/get) asks a mirror for when electron_use_remote_checksums is set. The zip's
 * `electron` is a shell script that records its arguments and working folder, so a test sees what
 * `npm start` launched it with; `version` is the file install.js checks to call the binary installed.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: string | Buffer;
  /** Unix permissions (e.g. 0o755 for an executable). */
  mode?: number;
}

/** A "stored" (uncompressed) zip with Unix modes (APPNOTE.TXT §4.3; version made by 3 = Unix). */
export function makeZip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((((e.mode ?? 0o644) | 0o100000) << 16) >>> 0, 38); // regular file + mode
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, end]);
}

/** The file the stand-in binary writes next to itself: one line per argument, after `cwd=…`. */
export const LAUNCH_RECORD = 'launched-with.txt';

export function standInElectronZip(version: string): Buffer {
  const script = [
    '#!/bin/sh',
    '# A stand-in for the Electron binary: records how it was started, then exits.',
    `out="$(dirname "$0")/${LAUNCH_RECORD}"`,
    'printf "cwd=%s\\n" "$(pwd)" > "$out"',
    'for a in "$@"; do printf "%s\\n" "$a" >> "$out"; done',
    '',
  ].join('\n');
  return makeZip([
    { name: 'electron', data: script, mode: 0o755 },
    { name: 'version', data: `v${version}` },
    { name: 'LICENSE', data: 'stand-in release for tests\n' },
  ]);
}

export interface ElectronMirror {
  /** The value for ELECTRON_MIRROR (with its trailing slash, as @electron/get joins it). */
  url: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

export async function startElectronMirror(opts: {
  version: string;
  platform: string;
  arch: string;
}): Promise<ElectronMirror> {
  const zipName = `electron-v${opts.version}-${opts.platform}-${opts.arch}.zip`;
  const zip = standInElectronZip(opts.version);
  const sums = `${createHash('sha256').update(zip).digest('hex')} *${zipName}\n`;
  const files = new Map<string, Buffer>([
    [`/v${opts.version}/${zipName}`, zip],
    [`/v${opts.version}/SHASUMS256.txt`, Buffer.from(sums)],
  ]);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://mirror').pathname;
    requests.push(path);
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
