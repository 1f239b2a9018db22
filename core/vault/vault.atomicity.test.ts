/**
 * docs/design.md "Quality bars": "vault writes are atomic (a kill at any moment leaves the old or the new
 * tokens)". A real child process saves in a tight loop and is SIGKILLed at random moments; after every kill
 * the vault must load as one whole session, no older than the last save the child reported as finished.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileKeyCipher } from './file-key-cipher';
import { vaultFor, vaultNumber } from '../../test/support/vault-fixtures';
import { Vault } from './vault';

const here = dirname(fileURLToPath(import.meta.url));
const KILLS = 30;
/** ~1.5 MB sessions: each write spans many syscalls (and event-loop turns), a wide window for a kill. */
const PADDING = 500_000;

let root: string;
let saver: string;

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kb-atomicity-'));
  const entry = join(root, 'saver.ts');
  // The child runs the real Vault code, bundled (plain Node 20 cannot run TypeScript).
  await fs.writeFile(
    entry,
    `import { Vault } from ${JSON.stringify(join(here, 'vault'))};
import { createFileKeyCipher } from ${JSON.stringify(join(here, 'file-key-cipher'))};
import { vaultFor } from ${JSON.stringify(join(here, '../../test/support/vault-fixtures'))};
const [dir, from] = process.argv.slice(2);
const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
for (let n = Number(from) + 1; ; n++) {
  await vault.save(vaultFor(n, ${PADDING}));
  process.stdout.write(n + '\\n');
}
`,
  );
  saver = join(root, 'saver.mjs');
  await build({
    entryPoints: [entry],
    outfile: saver,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
  });
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Starts a saver; resolves after its first finished save, with a getter for the last one it reported. */
function startSaver(
  dir: string,
  from: number,
): Promise<{ child: ChildProcess; exited: Promise<void>; lastDone: () => number }> {
  const child = spawn(process.execPath, [saver, dir, String(from)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let lastDone = from;
  let buffered = '';
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    void exited.then(() => reject(new Error(`saver exited early (${child.exitCode ?? child.signalCode})`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) lastDone = Number(line);
      resolve({ child, exited, lastDone: () => lastDone });
    });
  });
}

describe('vault atomicity under SIGKILL', () => {
  it(`leaves a whole session, old or new, after ${KILLS} kills at random moments`, async () => {
    const dir = join(root, 'data');
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    const started = performance.now();
    await vault.save(vaultFor(0, PADDING));
    // The kill lands anywhere within about two saves, however fast this machine saves (5x apart here).
    const killWindowMs = Math.max(60, 2 * (performance.now() - started));
    let n = 0;
    let strays = 0;
    for (let round = 0; round < KILLS; round++) {
      const { child, exited, lastDone } = await startSaver(dir, n);
      await new Promise((r) => setTimeout(r, Math.random() * killWindowMs));
      child.kill('SIGKILL');
      await exited;
      const acknowledged = lastDone();

      const loaded = await vault.load(); // a torn or mixed file would throw vault_unreadable here
      expect(loaded).not.toBeNull();
      const m = vaultNumber(loaded!);
      expect(loaded).toEqual(vaultFor(m, PADDING)); // every field of every account from the same save
      expect(m).toBeGreaterThanOrEqual(acknowledged); // a finished save is never lost
      expect(m).toBeGreaterThanOrEqual(n); // never older than what was there before
      n = m;
      strays += (await fs.readdir(dir)).filter((name) => name.endsWith('.tmp')).length;
    }
    expect(n).toBeGreaterThan(KILLS); // the children really were saving when killed
    expect((await fs.readdir(dir)).filter((name) => name.startsWith('vault.broken-'))).toEqual([]);

    // Temp files the killed savers left behind are cleaned by the next save.
    await vault.save(vaultFor(n + 1, PADDING));
    expect((await fs.readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    console.log(
      `[atomicity] ${KILLS} kills, ${n} saves by the children, ${strays} stray temp files seen along the way`,
    );
  });
});
