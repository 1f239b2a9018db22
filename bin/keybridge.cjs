#!/usr/bin/env node
'use strict';
// The `keybridge` command. The real code is the bundles built by scripts/build-node.mjs (npm install runs it).
const fs = require('node:fs');
const { dirname, join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'keybridge.cjs');
const fastBundle = join(__dirname, '..', 'dist', 'token-fast.cjs');

if (require.main === module) {
  if (process.argv.length === 3 && process.argv[2] === 'token' && process.platform !== 'win32') {
    // A bare `keybridge token` — what tools run most, often once per request — is answered by the small
    // dist/token-fast.cjs (cli/token-fast.ts) in one round trip, without loading the CLI; it hands over to the
    // full CLI for anything it cannot answer itself.
    let fast;
    try {
      fast = require(fastBundle);
    } catch (e) {
      if (e.code !== 'MODULE_NOT_FOUND') throw e;
    }
    if (fast) fast.fastToken(runCli);
    else runCli();
  } else runCli();
}

function runCli() {
  // `token` is what tools run, often: it loads from V8's code cache (see loadCompiled). It never import()s
  // anything, which a script compiled from a cache cannot do on Node 20 (test/integration/cli-start.test.ts
  // runs it with options, through this path).
  const hot = process.argv[2] === 'token';
  let cli;
  try {
    cli = hot ? loadCompiled(bundle) : require(bundle);
  } catch (e) {
    if (e.code !== 'ENOENT' && e.code !== 'MODULE_NOT_FOUND') throw e;
    process.stderr.write(
      `keybridge is not built yet: run \`npm run build:node\` in ${join(__dirname, '..')}\n`,
    );
    process.exit(1);
  }
  cli.main();
}

/**
 * Loads the bundle with V8's code cache, kept beside it in `keybridge.cjs.cache`: parsing and compiling the
 * CLI is then skipped, about a millisecond of start-up. (Node 22's module.enableCompileCache() does the same;
 * this works on Node 20.)
 *
 * The cache is made at the end of a run that had none, or whose cache V8 rejected (another Node version).
 * V8 checks a cache against the source's length only, so the file starts with a key line naming the bundle's
 * size and modification time: a rebuilt bundle never runs stale code. Writing is best effort (a read-only
 * install simply runs without a cache) and atomic (a temp file renamed into place).
 */
function loadCompiled(file) {
  const vm = require('node:vm');
  const { wrap } = require('node:module');
  const cacheFile = `${file}.cache`;
  const code = fs.readFileSync(file, 'utf8');
  const st = fs.statSync(file);
  const key = Buffer.from(`keybridge-cli ${process.version} ${st.size} ${st.mtimeMs}\n`);
  let cachedData;
  try {
    const bytes = fs.readFileSync(cacheFile);
    if (bytes.subarray(0, key.length).equals(key)) cachedData = bytes.subarray(key.length);
  } catch {
    // No cache yet.
  }
  const script = new vm.Script(wrap(code), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      const temp = `${cacheFile}.${process.pid}.tmp`;
      try {
        // Made after the run, the cache holds the functions the run compiled too, not just the top level.
        fs.writeFileSync(temp, Buffer.concat([key, script.createCachedData()]));
        fs.renameSync(temp, cacheFile);
      } catch {
        try {
          fs.unlinkSync(temp);
        } catch {
          // Nothing was written.
        }
      }
    });
  }
  const module = { exports: {}, filename: file };
  script.runInThisContext()(module.exports, require, module, file, dirname(file));
  return module.exports;
}

/** The fast path's broker lookup (core/paths.ts resolveBrokerEndpoint), for test/integration/cli-start.test.ts. */
module.exports = {
  brokerEndpoint: (env, platform) => require(fastBundle).brokerEndpoint(env, platform),
};
