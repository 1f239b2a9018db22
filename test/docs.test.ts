/**
 * The repository stands on its own: every document it names exists, every section a comment or a document
 * cites (`docs/design.md "Layout"`, `client.md#broker-protocol`) is a heading of that document, the README
 * stays short, and docs/troubleshooting.md explains every error code the UI can show.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { troubleshoot } from '../renderer/lib/troubleshooting';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Tracked files and new ones not ignored: what a clean clone of this commit would hold. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)) && lstatSync(join(ROOT, f)).isFile())
    .filter((f) => !/\.(png|ico|icns|jpg|gif|webp|woff2?)$/i.test(f) && f !== 'package-lock.json');
}

const texts = new Map<string, string>();
for (const file of repositoryFiles()) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  // This file names a missing document on purpose, to prove the check sees one.
  if (!text.includes('\0') && file !== 'test/docs.test.ts') texts.set(file, text);
}

/** URLs name documents elsewhere (Electron's docs, OpenAI's help pages): not this repository's. */
const withoutUrls = (text: string) => text.replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ');

/** A path as the file that names it means it: relative to the repository root, or to the file's folder. */
function resolves(from: string, path: string): string | null {
  for (const base of [ROOT, join(ROOT, dirname(from))]) {
    const full = normalize(join(base, path));
    if (full.startsWith(ROOT) && existsSync(full)) return relative(ROOT, full);
  }
  return null;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

function headings(file: string): string[] {
  const text = texts.get(file) ?? readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^#{1,6} +(.+?) *$/gm)].map((m) => m[1]!);
}

describe('every document the repository names exists', () => {
  it('names of *.md files and docs/ paths resolve to files of the repository', () => {
    const missing: string[] = [];
    for (const [file, text] of texts) {
      const plain = withoutUrls(text);
      const named = new Set<string>();
      for (const m of plain.matchAll(/(?<![\w/.-])[\w./-]*[\w-]\.md\b/g)) named.add(m[0]);
      for (const m of plain.matchAll(/(?<![\w/.-])(?:\.\.\/)*docs\/[\w.-]+(?:\/[\w.-]+)*/g)) named.add(m[0]);
      for (const name of named)
        if (!resolves(file, name.replace(/[.]+$/, ''))) missing.push(`${file}: ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it('every cited section is a heading of the document it names', () => {
    const missing: string[] = [];
    for (const [file, text] of texts) {
      // `docs/design.md "Quality bars"`: the first quoted text after the name is the section.
      for (const m of withoutUrls(text).matchAll(/([\w./-]*[\w-]\.md)"?\s*[:,]?\s*"([^"\n]+)"/g)) {
        const doc = resolves(file, m[1]!);
        if (doc && !headings(doc).includes(m[2]!)) missing.push(`${file}: ${m[1]} "${m[2]}"`);
      }
      // Markdown links with an anchor: `[text](client.md#broker-protocol)`, `(#offline)`.
      if (!file.endsWith('.md')) continue;
      for (const m of withoutUrls(text).matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)) {
        const doc = m[1] === '' ? file : resolves(file, m[1]!);
        if (doc && !headings(doc).map(slug).includes(m[2]!)) missing.push(`${file}: ${m[1]}#${m[2]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the checks above see a broken name when there is one', () => {
    // Guards the patterns themselves: a rename that made them match nothing would make the tests above pass.
    expect(resolves('README.md', 'docs/design.md')).toBe('docs/design.md');
    expect(resolves('docs/security.md', 'design.md')).toBe('docs/design.md');
    expect(resolves('README.md', 'docs/no-such-guide.md')).toBeNull();
    expect(headings('docs/design.md').map(slug)).toContain('provider-profile');
  });
});

describe('the README', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('stays under 200 lines and links the design, security, troubleshooting and client documents', () => {
    expect(readme.split('\n').length).toBeLessThan(200);
    for (const doc of ['docs/design.md', 'docs/security.md', 'docs/troubleshooting.md', 'docs/client.md'])
      expect(readme).toContain(`](${doc})`);
  });

  it('gives the test commands CI runs', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const commands = [...ci.matchAll(/^(npm (?:test|run [\w:-]+))\s*$/gm)].map((m) => m[1]!);
    expect(commands).toEqual(['npm test', 'npm run test:stress', 'npm run test:keyring']);
    for (const command of commands) expect(readme).toMatch(new RegExp(`^${command}\\b`, 'm'));
  });
});

describe('docs/troubleshooting.md', () => {
  it('lists every error code with the headline the UI shows for it', () => {
    const errors = readFileSync(join(ROOT, 'core/errors.ts'), 'utf8');
    const union = /export type ErrorCode =([^;]+);/.exec(errors)?.[1] ?? '';
    const codes = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
    expect(codes.length).toBeGreaterThan(20);
    const doc = readFileSync(join(ROOT, 'docs/troubleshooting.md'), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| `([a-z_]+)` +\| (.+?) +\| (.+?) +\|$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    const wrong = codes
      .map((code) => ({ code, headline: troubleshoot({ code, message: 'Port 1455 is in use' }).headline }))
      .filter(({ code, headline }) => rows.get(code) !== headline)
      .map(({ code, headline }) => `| \`${code}\` | ${headline} | ${troubleshoot({ code }).nextStep} |`);
    // Missing or outdated rows, printed as they should read.
    expect(wrong).toEqual([]);
  });
});
