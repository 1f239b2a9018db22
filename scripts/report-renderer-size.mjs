#!/usr/bin/env node
// Prints the renderer's JavaScript size, raw and gzipped, and fails when it passes the budget in
// docs/design.md "Quality bars" (renderer JS under 90 KB gzipped). Run by `npm run build:renderer` after
// `vite build`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 90 * 1024;
const dir = process.argv[2] ?? 'dist/renderer';

function* files(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let raw = 0;
let gzipped = 0;
const rows = [];
for (const path of files(dir)) {
  if (!/\.(m?js|css)$/.test(path)) continue;
  const body = readFileSync(path);
  const gz = gzipSync(body, { level: 9 }).length;
  rows.push({ file: relative(dir, path), raw: body.length, gz });
  if (/\.m?js$/.test(path)) {
    raw += body.length;
    gzipped += gz;
  }
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
for (const r of rows)
  console.error(`  ${r.file.padEnd(40)} ${kb(r.raw).padStart(10)}  gzip ${kb(r.gz).padStart(9)}`);
console.log(`renderer JS: ${kb(raw)} raw, ${kb(gzipped)} gzipped (budget ${kb(BUDGET_BYTES)})`);
if (rows.length === 0) {
  console.error(`No built files in ${dir}: run vite build first.`);
  process.exit(1);
}
if (gzipped > BUDGET_BYTES) {
  console.error('Over budget: the renderer JS must stay under 90 KB gzipped.');
  process.exit(1);
}
