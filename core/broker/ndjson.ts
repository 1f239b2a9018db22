/**
 * The client side of the broker's wire format (docs/client.md "Broker protocol"): JSON-RPC 2.0 requests
 * encoded one per line, and the host's lines read back as a reply or a notification. Shared by the CLI, its
 * token fast path and `keybridge/client`, so each of them reads the host's answers the same way. Zod-free
 * and dependency-free: `keybridge token` must start within 1.3× of a bare `node -e 0` (docs/design.md
 * "Quality bars"). The host checks what it receives with the contract's schemas; a client only needs to
 * tell a result from an error from a notification, so the shape is read by hand here.
 */
import { encodeLine } from './framing';

/** A host that sends this much without a newline is not a Keybridge host: the client gives up. */
const MAX_HOST_UNTERMINATED = 32 * 1024 * 1024;

/**
 * Splits the host's stream into lines. Feed it a socket with `setEncoding('utf8')`, whose decoder keeps a
 * character split across two chunks whole. Lighter than the host's LineSplitter (framing.ts), which guards
 * the host against tools byte by byte: a client trusts its host and only guards against a runaway stream.
 * Returns false once the host overflowed it; every later chunk is ignored.
 */
export function hostLineReader(onLine: (line: string) => void): (chunk: string) => boolean {
  let buffered = '';
  let flooded = false;
  return (chunk) => {
    if (flooded) return false;
    buffered += chunk;
    let start = 0;
    let nl: number;
    while ((nl = buffered.indexOf('\n', start)) !== -1) {
      const end = nl > start && buffered.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const line = buffered.slice(start, end);
      start = nl + 1;
      if (line.trim() !== '') onLine(line);
    }
    buffered = buffered.slice(start);
    if (buffered.length > MAX_HOST_UNTERMINATED) flooded = true;
    return !flooded;
  };
}

/** What one line from the host is: the answer to a request, or a notification (JSON-RPC 2.0 §4.1, §5). */
export type ServerMessage =
  | { kind: 'result'; id: unknown; result: unknown }
  /** `code` is undefined when the host sent none (not a JSON-RPC error object): treat it as a protocol fault. */
  | { kind: 'error'; id: unknown; code: number | undefined; message: string | undefined; data: unknown }
  | { kind: 'notification'; method: string; params: unknown };

/** One request as a line; `params` is left out when undefined (spec §4.2: it may be omitted). */
export function encodeRequest(id: number, method: string, params?: unknown): string {
  return encodeLine(
    params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params },
  );
}

/** Reads one line from the host; undefined when it is not JSON or not a JSON-RPC message at all. */
export function decodeServerLine(line: string): ServerMessage | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return undefined;
  const m = msg as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
  if (m.id === undefined) {
    return typeof m.method === 'string'
      ? { kind: 'notification', method: m.method, params: m.params }
      : undefined;
  }
  if (m.error !== undefined && m.error !== null) {
    const e = (typeof m.error === 'object' ? m.error : {}) as {
      code?: unknown;
      message?: unknown;
      data?: unknown;
    };
    return {
      kind: 'error',
      id: m.id,
      code: typeof e.code === 'number' ? e.code : undefined,
      message: typeof e.message === 'string' ? e.message : undefined,
      data: e.data,
    };
  }
  return { kind: 'result', id: m.id, result: m.result };
}
