/**
 * A bare `keybridge token` — what tools run most, often once per request — in one round trip, without loading
 * the CLI: a bare `node -e 0` is the bar it is measured against (docs/design.md "Quality bars": within 1.3×).
 * Bundled on its own as dist/token-fast.cjs (scripts/build-node.mjs), which bin/keybridge.cjs requires for
 * exactly that command; the full CLI (cli/keybridge.ts) shares its approval note, exit-code rule and stdout
 * writer, and both find the broker with core/paths.ts, so the two paths cannot drift apart.
 *
 * Its answers (the token; or the host's error message with the CLI's exit code; the note that the user is
 * being asked to approve it) are the full CLI's, pinned by the same integration tests. Anything else — no
 * host, no answer to hello within 5 s, an answer it cannot read — is handed over to the full CLI, which asks
 * again and explains.
 */
import { writeSync } from 'node:fs';
import { connect } from 'node:net';
import { PROTOCOL_VERSION, RpcErrorCode } from '../core/api/protocol';
import { APPROVAL_WAIT_MS } from '../core/broker/client';
import { decodeServerLine, encodeRequest, hostLineReader } from '../core/broker/ndjson';
import { resolveBrokerEndpoint } from '../core/paths';

/** Said while the host asks the user whether the CLI may have the session (docs/client.md "Approval"). */
export const APPROVAL_PENDING =
  'Keybridge is asking whether keybridge-cli may use your OpenAI session: answer Allow or Deny there.\n';

/** The exit code for an error the host answered: 4 when signing in again is the way out, else 1. */
export function rpcExitCode(code: unknown, data: unknown): 1 | 4 {
  if (code === RpcErrorCode.NotSignedIn) return 4;
  if (
    code === RpcErrorCode.RefreshFailed &&
    (data as { reloginRequired?: unknown } | undefined)?.reloginRequired
  )
    return 4;
  return 1;
}

/** For test/integration/cli-start.test.ts, through bin/keybridge.cjs. */
export const brokerEndpoint = resolveBrokerEndpoint;

/** Asks for a token; calls `handOver` (once, at most) when the full CLI should answer instead. */
export function fastToken(handOver: () => void): void {
  let finished = false;
  let greeted = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const socket = connect(resolveBrokerEndpoint(process.env, process.platform));
  const finish = () => {
    finished = true;
    clearTimeout(timer);
    socket.destroy();
  };
  const giveUp = () => {
    if (finished) return;
    finish();
    handOver();
  };
  socket.on('error', giveUp);
  socket.on('close', giveUp);
  // Hello and the call in one write: the host answers a connection's lines in order
  // (docs/client.md "Broker protocol").
  const hello = { protocol: PROTOCOL_VERSION, client: { name: 'keybridge-cli', pid: process.pid } };
  socket.write(encodeRequest(1, 'hello', hello) + encodeRequest(2, 'credentials.get'));
  // A host that does not even answer hello within 5 s is handed over (the answer to the call itself may take
  // as long as a refresh does). Armed after the first loop turn has sent the request: setting up the first
  // timer of a process costs ~0.2 ms.
  setImmediate(() => {
    if (!finished && !greeted) timer = setTimeout(giveUp, 5000);
  });
  const read = hostLineReader((line) => {
    if (finished) return;
    const msg = decodeServerLine(line);
    if (!msg) return giveUp();
    if (msg.kind === 'notification') {
      // The one for us: the user is being asked to approve this tool (policy `ask`).
      if (msg.method === 'approval.pending') process.stderr.write(APPROVAL_PENDING);
      return;
    }
    if (msg.kind === 'error') {
      if (msg.message === undefined) return giveUp();
      // The host's answer, reported as the full CLI reports it (cli/keybridge.ts reportError).
      finish();
      process.stderr.write(`${msg.message}\n`);
      process.exitCode = rpcExitCode(msg.code, msg.data);
      return;
    }
    if (msg.id === 1) {
      greeted = true;
      clearTimeout(timer);
      // The answer may wait for the user's approval, but not for ever.
      timer = setTimeout(() => {
        if (finished) return;
        finish();
        process.stderr.write('Keybridge did not answer in 5 minutes: check the app or `keybridge serve`.\n');
        process.exitCode = 1;
      }, APPROVAL_WAIT_MS);
      return;
    }
    if (msg.id !== 2) return;
    const token = (msg.result as { accessToken?: unknown } | null | undefined)?.accessToken;
    if (typeof token !== 'string' || token === '') return giveUp();
    finish();
    writeStdout(`${token}\n`);
  });
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (!read(chunk)) giveUp();
  });
}

/**
 * Data goes to stdout with plain write(2)s on fd 1: process.stdout is a stream over the pipe or terminal that
 * costs ~0.7 ms to make on first use, a good part of what `keybridge token` may spend beyond a bare
 * `node -e 0` (docs/design.md "Quality bars"). A reader that went away (`keybridge token | head -c 10`) is
 * not an error. A stdout that is non-blocking and full falls back to the stream (which waits), and then stays
 * with it so the output keeps its order.
 */
let stdoutStream: NodeJS.WriteStream | undefined;

export function writeStdout(text: string): void {
  if (stdoutStream) {
    stdoutStream.write(text);
    return;
  }
  let rest = Buffer.from(text, 'utf8');
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(1, rest));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw e;
      stdoutStream = process.stdout;
      stdoutStream.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
      });
      stdoutStream.write(rest);
      return;
    }
  }
}
