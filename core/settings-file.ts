/**
 * The core's own preferences, in `settings.json` in the data folder: plain JSON (no secrets), 0600, written
 * atomically. The core runs headless too, so it cannot use the desktop shell's electron-store; the desktop
 * shell sees what matters here through the contract (e.g. Status.selectedModel), never by reading the file.
 *
 * Each feature owns one top-level key and reads it through its own schema; keys it does not know are kept
 * as they are, so features (and newer versions) can share the file. A damaged file is moved aside and
 * replaced, never a reason not to start.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { writeFileAtomic } from './vault/atomic-write';
import { ensurePrivateDir } from './vault/private-dir';

export const SETTINGS_FILE = 'settings.json';

export class SettingsFile {
  readonly path: string;
  private readonly home: string;
  private readonly log: (line: string) => void;
  private data: Record<string, unknown> = {};
  private loading: Promise<void> | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(home: string, log: (line: string) => void = () => {}) {
    this.home = home;
    this.path = join(home, SETTINGS_FILE);
    this.log = log;
  }

  /** Reads the file once (every caller waits for that one read). A missing file is an empty one. */
  load(): Promise<void> {
    this.loading ??= this.read();
    return this.loading;
  }

  private async read(): Promise<void> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log(`settings: cannot read ${this.path}: ${(e as Error).message}`);
      return;
    }
    try {
      const json: unknown = JSON.parse(text);
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        this.data = json as Record<string, unknown>;
        return;
      }
    } catch {
      // handled below
    }
    const aside = `${this.path}.damaged-${Date.now()}`;
    await fs.rename(this.path, aside).catch(() => {});
    this.log(`settings: ${this.path} was not a JSON object; moved it to ${aside} and started afresh`);
  }

  /** The value of `key` when it matches `schema`, else undefined (a stale or hand-edited value is ignored). */
  get<T>(key: string, schema: z.ZodType<T>): T | undefined {
    const parsed = schema.safeParse(this.data[key]);
    return parsed.success ? parsed.data : undefined;
  }

  /** Sets (or, with undefined, removes) one key and writes the file; writes run one after another. */
  async set(key: string, value: unknown): Promise<void> {
    await this.load();
    if (value === undefined) delete this.data[key];
    else this.data[key] = value;
    const snapshot = JSON.stringify(this.data, null, 2) + '\n';
    const write = this.queue
      .catch(() => {})
      .then(async () => {
        await ensurePrivateDir(this.home);
        await writeFileAtomic(this.path, snapshot, 0o600);
      });
    this.queue = write;
    await write;
  }
}
