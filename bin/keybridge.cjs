#!/usr/bin/env node
'use strict';
// The `keybridge` command. The real code is the bundle built by scripts/build-node.mjs (npm install runs it);
// a bare `keybridge token` is answered here (see fastToken).
const fs = require('node:fs');
const { dirname, join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'keybridge.cjs');
/** As cli/keybridge.ts says it. */
const APPROVAL_PENDING =
  'Keybridge is asking whether keybridge-cli may use your OpenAI session: answer Allow or Deny there.\n';

if (require.main === module) {
  if (process.argv.length === 3 && process.argv[2] === 'token' && process.platform !== 'win32') fastToken();
  else runCli();
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
 * A bare `keybridge token` — what tools run most, often once per request — in one round trip and a few lines,
 * without loading the CLI: a bare `node -e 0` is the bar it is measured against (PRODUCT.md §7: within 1.3×).
 * Its answers (the token; or the host's error message with the CLI's exit code; the note that the user is
 * being asked to approve it) are the full CLI's, pinned by the same integration tests. Anything else — no
 * host, no answer to hello within 5 s, an answer it cannot read — is handed over to the full CLI, which asks
 * again and explains. The endpoint is found as electron/core/paths.ts resolveBrokerEndpoint finds it
 * (test/integration/cli-start.test.ts holds them equal).
 */
function fastToken() {
  const net = require('node:net');
  let finished = false;
  let greeted = false;
  let timer;
  const socket = net.connect(brokerEndpoint(process.env, process.platform));
  const handOver = () => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.destroy();
    runCli();
  };
  socket.on('error', handOver);
  socket.on('close', handOver);
  // Hello and the call in one write (the host answers a connection's lines in order, PRODUCT.md §4).
  const hello = { protocol: 1, client: { name: 'keybridge-cli', pid: process.pid } };
  socket.write(
    `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'hello', params: hello })}\n` +
      '{"jsonrpc":"2.0","id":2,"method":"credentials.get"}\n',
  );
  // A host that does not even answer hello within 5 s is handed over (the answer to the call itself may take
  // as long as a refresh does). Armed after the first loop turn has sent the request: setting up the first
  // timer of a process costs ~0.2 ms.
  setImmediate(() => {
    if (!finished && !greeted) timer = setTimeout(handOver, 5000);
  });
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    buffered += chunk;
    let nl;
    while (!finished && (nl = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch {
        handOver();
        return;
      }
      if (msg.id === undefined) {
        // A notification; the one for us: the user is being asked to approve this tool (policy `ask`).
        if (msg.method === 'approval.pending') process.stderr.write(APPROVAL_PENDING);
        continue;
      }
      if (msg.error && typeof msg.error.message === 'string') {
        // The host's answer, reported as the full CLI reports it (cli/keybridge.ts reportError).
        finished = true;
        clearTimeout(timer);
        socket.destroy();
        const { code, data } = msg.error;
        process.stderr.write(`${msg.error.message}\n`);
        process.exitCode = code === -32001 || (code === -32005 && data && data.reloginRequired) ? 4 : 1;
        return;
      }
      if (msg.id === 1) {
        greeted = true;
        clearTimeout(timer);
        continue;
      }
      if (msg.id !== 2) continue;
      const token = msg.result && msg.result.accessToken;
      if (typeof token !== 'string' || token === '') {
        handOver();
        return;
      }
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      writeOut(`${token}\n`);
    }
  });
}

/** All of `text` to fd 1 without making process.stdout; a reader that went away is not an error. */
function writeOut(text) {
  let rest = Buffer.from(text, 'utf8');
  while (rest.length > 0) {
    try {
      rest = rest.subarray(fs.writeSync(1, rest));
    } catch (e) {
      if (e.code === 'EPIPE') return;
      if (e.code !== 'EAGAIN') throw e;
      process.stdout.on('error', () => {});
      process.stdout.write(rest);
      return;
    }
  }
}

/** electron/core/paths.ts resolveBrokerEndpoint, for macOS and Linux (Windows always runs the full CLI). */
function brokerEndpoint(env, platform) {
  if (env.KEYBRIDGE_SOCKET) return env.KEYBRIDGE_SOCKET;
  let home = env.KEYBRIDGE_HOME;
  if (!home) {
    const userHome = env.HOME ?? require('node:os').homedir();
    home =
      platform === 'darwin'
        ? join(userHome, 'Library', 'Application Support', 'Keybridge')
        : join(env.XDG_CONFIG_HOME ?? join(userHome, '.config'), 'keybridge');
  }
  try {
    const file = JSON.parse(fs.readFileSync(join(home, 'config.json'), 'utf8'));
    if (typeof file.KEYBRIDGE_SOCKET === 'string' && file.KEYBRIDGE_SOCKET !== '')
      return file.KEYBRIDGE_SOCKET;
  } catch {
    // No config file, or one the host will complain about: the default.
  }
  if (platform === 'darwin') return join(home, 'broker.sock');
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'keybridge', 'broker.sock');
  return join(home, 'run', 'broker.sock');
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

module.exports = { brokerEndpoint };
