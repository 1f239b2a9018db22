import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheAgeMs, cacheFileName, ModelCache, type CachedModels } from './model-cache';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'kb-models-cache-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const entry = (accountId: string, extra: Partial<CachedModels> = {}): CachedModels => ({
  version: 1,
  accountId,
  planType: 'plus',
  etag: '"abc"',
  fetchedAt: '2030-01-01T12:00:00.000Z',
  models: [{ slug: 'gpt-5.1-codex', displayName: 'GPT-5.1 Codex', priority: 1 }],
  ...extra,
});

describe('ModelCache', () => {
  it('keeps one private file per account and reads back exactly what it wrote', async () => {
    const cache = new ModelCache(home);
    await cache.write(entry('acc-ada'));
    await cache.write(entry('acc-bob', { planType: 'pro', etag: null }));
    expect(await cache.read('acc-ada')).toEqual(entry('acc-ada'));
    expect(await cache.read('acc-bob')).toMatchObject({ planType: 'pro', etag: null });
    expect(await cache.read('acc-nobody')).toBeNull();

    const file = join(home, 'cache', 'models-acc-ada.json');
    if (process.platform !== 'win32') {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(join(home, 'cache'))).mode & 0o777).toBe(0o700);
    }
    expect((await readdir(join(home, 'cache'))).sort()).toEqual([
      'models-acc-ada.json',
      'models-acc-bob.json',
    ]);
  });

  it('ignores a damaged file or one written for another account', async () => {
    const cache = new ModelCache(home);
    await cache.write(entry('acc-ada'));
    const file = cache.path('acc-ada');
    await writeFile(file, '{"version":1,"models":');
    const logged: string[] = [];
    expect(await new ModelCache(home, (l) => logged.push(l)).read('acc-ada')).toBeNull();
    expect(logged.join('\n')).toMatch(/ignoring/);

    await writeFile(file, JSON.stringify(entry('acc-someone-else')));
    expect(await cache.read('acc-ada')).toBeNull();
  });

  it('names files safely whatever the account id is', async () => {
    expect(cacheFileName('acc-ada_1')).toBe('models-acc-ada_1.json');
    const odd = cacheFileName('../../etc/passwd');
    expect(odd).toMatch(/^models-[0-9a-f]{32}\.json$/);
    const cache = new ModelCache(home);
    await cache.write(entry('../../etc/passwd'));
    expect(await cache.read('../../etc/passwd')).toMatchObject({ accountId: '../../etc/passwd' });
    expect(JSON.parse(await readFile(join(home, 'cache', odd), 'utf8')).accountId).toBe('../../etc/passwd');
  });

  it('tells the age of a list', () => {
    const now = Date.parse('2030-01-01T15:00:00Z');
    expect(cacheAgeMs(entry('a'), now)).toBe(3 * 3_600_000);
    expect(cacheAgeMs({ fetchedAt: 'not a date' }, now)).toBe(Infinity);
    expect(cacheAgeMs({ fetchedAt: '2031-01-01T00:00:00Z' }, now)).toBe(0);
  });

  it('lets concurrent writes of one account end in one complete file', async () => {
    const cache = new ModelCache(home);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => cache.write(entry('acc-ada', { etag: `"v${i}"` }))),
    );
    expect((await cache.read('acc-ada'))?.etag).toBe('"v19"');
    expect(await readdir(join(home, 'cache'))).toEqual(['models-acc-ada.json']);
  });
});
