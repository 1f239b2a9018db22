/**
 * The model list per account, kept in the data folder (`cache/models-<accountId>.json`, 0600, written
 * atomically) with the server's ETag, so the next start can show it at once, ask the server with
 * `If-None-Match` (RFC 9110 §13.1.2), and still show it — marked stale, with its age — when the server
 * cannot be reached. It holds no token: only the list, the plan it belongs to and when the server sent it.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ModelInfo } from '../api/contract';
import { writeFileAtomic } from '../vault/atomic-write';
import { ensurePrivateDir } from '../vault/private-dir';

export const CachedModels = z.object({
  version: z.literal(1),
  accountId: z.string(),
  planType: z.string().nullable(),
  etag: z.string().nullable(),
  /** RFC 3339: when the server last sent or confirmed (304) this list. */
  fetchedAt: z.string(),
  models: z.array(ModelInfo),
});
export type CachedModels = z.infer<typeof CachedModels>;

/** A file name for any account id: the id itself when it is tame, else its hash. */
export function cacheFileName(accountId: string): string {
  const safe = /^[A-Za-z0-9_-]{1,100}$/.test(accountId)
    ? accountId
    : createHash('sha256').update(accountId).digest('hex').slice(0, 32);
  return `models-${safe}.json`;
}

/** How old the list is, in milliseconds (Infinity when its time cannot be read). */
export function cacheAgeMs(entry: Pick<CachedModels, 'fetchedAt'>, now: number): number {
  const t = Date.parse(entry.fetchedAt);
  return Number.isNaN(t) ? Infinity : Math.max(0, now - t);
}

export class ModelCache {
  private readonly dir: string;
  private readonly log: (line: string) => void;
  /** Writes of one file run one after another (the last one wins, never a mix). */
  private writing = new Map<string, Promise<void>>();

  /** `home` is the data folder; the cache lives in its `cache/` folder. */
  constructor(home: string, log: (line: string) => void = () => {}) {
    this.dir = join(home, 'cache');
    this.log = log;
  }

  path(accountId: string): string {
    return join(this.dir, cacheFileName(accountId));
  }

  /** The cached list of `accountId`, or null when there is none (or it cannot be read: then it is ignored). */
  async read(accountId: string): Promise<CachedModels | null> {
    const path = this.path(accountId);
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log(`models cache: cannot read ${path}: ${(e as Error).message}`);
      }
      return null;
    }
    try {
      const parsed = CachedModels.safeParse(JSON.parse(text));
      if (parsed.success && parsed.data.accountId === accountId) return parsed.data;
    } catch {
      // fall through: a damaged cache is only a cache
    }
    this.log(`models cache: ignoring ${path}, which is not a model list Keybridge wrote`);
    return null;
  }

  async write(entry: CachedModels): Promise<void> {
    const path = this.path(entry.accountId);
    const previous = this.writing.get(path) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(async () => {
        await ensurePrivateDir(this.dir);
        await writeFileAtomic(path, JSON.stringify(entry, null, 2) + '\n', 0o600);
      });
    this.writing.set(path, next);
    try {
      await next;
    } finally {
      if (this.writing.get(path) === next) this.writing.delete(path);
    }
  }
}
