/**
 * No import cycle in core/ (type-only imports included: a cycle of types is still two modules that cannot
 * be understood apart). Reads every production file's relative imports and walks the graph.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.ts$/.test(name) && !/\.test\.ts$/.test(name) ? [path] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not this one.
    }
  }
  return undefined;
}

/** Each cycle once, as the list of files around it. */
export function findCycles(entries: string[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const file of entries) {
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
    graph.set(
      file,
      specs.map((s) => resolveImport(file, s)).filter((f): f is string => f !== undefined),
    );
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)).concat(next));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles.map((c) => c.map((f) => relative(root, f).replaceAll('\\', '/')));
}

it('finds a cycle when there is one (the check itself works)', () => {
  const probe = join(root, 'test', 'support', 'cycle-probe');
  expect(findCycles([join(probe, 'a.ts'), join(probe, 'b.ts')])).toEqual([
    ['test/support/cycle-probe/a.ts', 'test/support/cycle-probe/b.ts', 'test/support/cycle-probe/a.ts'],
  ]);
});

it('core/ has no import cycle', () => {
  expect(findCycles(files(join(root, 'core')))).toEqual([]);
});
