/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) for the broker: parsing and validating one line,
 * checking params against the contract, and turning any thrown error into an error object with the codes of
 * docs/client.md "Broker protocol". Every message that leaves here has been through `redact()`.
 */
import { z } from 'zod';
import { describeIssues, methods } from '../api/contract';
import { isMethodName, RpcErrorCode, type MethodName } from '../api/protocol';
import { REFRESH_CODES, rpcCodeFor } from '../api/rpc-errors';
import type { CallContext, Service } from '../api/service';
import { KeybridgeError, redact } from '../errors';

export type RpcId = string | number | null;

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type RpcResponse =
  { jsonrpc: '2.0'; id: RpcId; result: unknown } | { jsonrpc: '2.0'; id: RpcId; error: RpcErrorObject };

/** An error that already knows its JSON-RPC code (protocol errors raised by the broker itself). */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export type ParsedMessage =
  | { kind: 'request'; id: RpcId; method: string; params: unknown }
  /** Spec §4.1: no `id` member. Executed, never answered — not even with an error. */
  | { kind: 'notification'; method: string; params: unknown }
  /** Answered with `error` and the request's id when one could be read, else null (spec §5). */
  | { kind: 'invalid'; id: RpcId; error: RpcErrorObject };

const Id = z.union([z.string(), z.number(), z.null()]);

const RequestShape = z.object({
  jsonrpc: z.literal('2.0', { error: 'jsonrpc must be "2.0"' }),
  id: Id.optional(),
  method: z.string({ error: 'method must be a string' }).min(1, { error: 'method must not be empty' }),
  // Spec §4.2: by-name (object) or by-position (array). Our methods are all by-name; an array is a valid
  // request with invalid params (-32602), decided by parseParams.
  // Only the shape is checked here (no copy): parseParams checks the fields against the method's schema.
  params: z
    .custom<Record<string, unknown> | unknown[]>((v) => typeof v === 'object' && v !== null, {
      error: 'params must be an object',
    })
    .optional(),
});

/** Parses one line into a request, a notification, or the error to answer it with. */
export function parseMessage(line: string): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    // The parser's own message quotes the input, which may hold a secret: say only what is expected.
    return invalid(
      null,
      RpcErrorCode.ParseError,
      'Parse error: each line must be one JSON-RPC 2.0 request (JSON).',
    );
  }
  if (Array.isArray(json)) {
    return invalid(
      null,
      RpcErrorCode.InvalidRequest,
      'Batch requests are not supported: send one JSON-RPC request object per line.',
    );
  }
  if (json === null || typeof json !== 'object') {
    return invalid(
      null,
      RpcErrorCode.InvalidRequest,
      'Invalid request: expected a JSON-RPC 2.0 request object.',
    );
  }
  return plainRequest(json as Record<string, unknown>) ?? checkEnvelope(json);
}

/** The envelope of one parsed JSON object, checked against the schemas (the reference for plainRequest). */
export function checkEnvelope(json: object): ParsedMessage {
  const rawId = (json as { id?: unknown }).id;
  const idOk = Id.safeParse(rawId);
  const id: RpcId = idOk.success ? idOk.data : null;
  const parsed = RequestShape.safeParse(json);
  if (!parsed.success) {
    return invalid(id, RpcErrorCode.InvalidRequest, `Invalid request: ${describeIssues(parsed.error)}`);
  }
  const { method, params } = parsed.data;
  if (!Object.prototype.hasOwnProperty.call(json, 'id')) return { kind: 'notification', method, params };
  return { kind: 'request', id, method, params };
}

/**
 * The envelope check without zod for the common case: every field exactly as RequestShape (and Id) accept it,
 * with the same result parseMessage would return from them. Anything else — including every message that is
 * wrong — returns undefined and goes through the schemas, which also word the error. jsonrpc.test.ts holds
 * the two to the same answers.
 */
function plainRequest(json: Record<string, unknown>): ParsedMessage | undefined {
  const { method, params } = json;
  if (json.jsonrpc !== '2.0' || typeof method !== 'string' || method.length === 0) return undefined;
  if (params !== undefined && (typeof params !== 'object' || params === null)) return undefined;
  if (!Object.prototype.hasOwnProperty.call(json, 'id')) return { kind: 'notification', method, params };
  const id = json.id;
  // z.number() refuses NaN and ±Infinity (JSON.parse turns 1e999 into Infinity).
  if (id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) {
    return { kind: 'request', id, method, params };
  }
  return undefined;
}

/** Per method: what its schema makes of absent params, when that is a plain `undefined` (safe to share). */
const absentParamsOk = new Map<string, boolean>();

/** Checks params against the contract's schema for `method`; throws RpcError(-32602) naming each bad field. */
export function parseParams<M extends MethodName>(
  method: M,
  params: unknown,
): z.output<(typeof methods)[M]['params']> {
  if (Array.isArray(params)) {
    throw new RpcError(
      RpcErrorCode.InvalidParams,
      `Invalid params for ${method}: params must be an object (by name).`,
    );
  }
  const schema = methods[method].params as z.ZodType;
  if (params === undefined) {
    // Most requests carry no params: the schema's answer to `undefined` never changes, so it is asked once.
    let ok = absentParamsOk.get(method);
    if (ok === undefined) {
      const once = schema.safeParse(undefined);
      ok = once.success && once.data === undefined;
      absentParamsOk.set(method, ok);
    }
    if (ok) return undefined as z.output<(typeof methods)[M]['params']>;
  }
  const parsed = schema.safeParse(params);
  if (!parsed.success) {
    throw new RpcError(
      RpcErrorCode.InvalidParams,
      `Invalid params for ${method}: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data as z.output<(typeof methods)[M]['params']>;
}

/** Each grant list as a set, made once per list (the lists are the contract's constants). */
const grantSets = new WeakMap<readonly string[], ReadonlySet<string>>();

/** Throws RpcError(-32601) unless `method` is in the contract and in `granted`. */
export function checkMethod(method: string, granted: readonly string[]): MethodName {
  let set = grantSets.get(granted);
  if (set === undefined) {
    set = new Set(granted);
    grantSets.set(granted, set);
  }
  if (!isMethodName(method) || !set.has(method)) {
    throw new RpcError(RpcErrorCode.MethodNotFound, `Method not found: ${truncate(method, 80)}.`);
  }
  return method;
}

type Handler = (params: unknown, ctx: CallContext) => Promise<unknown>;

/**
 * A granted method (after `checkMethod`) run on the Service: its params checked against the contract, the
 * handler given the parsed params, without wrapping the handler's promise in another (the broker's hot path).
 * `local` answers methods the transport handles itself (the broker's per-connection `subscribe`). Throws
 * synchronously when the params are refused; returns the handler's own result (a promise, or a value).
 */
export function call(
  service: Service,
  name: MethodName,
  params: unknown,
  ctx: CallContext,
  local?: Partial<Record<MethodName, (parsed: unknown) => unknown>>,
): unknown {
  const parsed = parseParams(name, params);
  const own = local?.[name];
  if (own) return own(parsed);
  const handler = (service as unknown as Record<string, Handler | undefined>)[name];
  if (typeof handler !== 'function')
    throw new RpcError(RpcErrorCode.MethodNotFound, `Method not found: ${name}.`);
  return handler.call(service, parsed, ctx);
}

/**
 * Any thrown value as a JSON-RPC error object (docs/client.md "Broker protocol" codes); the message is always
 * redacted.
 */
export function toRpcError(e: unknown): RpcErrorObject {
  if (e instanceof RpcError) {
    return e.data === undefined
      ? { code: e.code, message: redact(e.message) }
      : { code: e.code, message: redact(e.message), data: e.data };
  }
  if (e instanceof KeybridgeError) {
    const code = rpcCodeFor(e.code);
    const message = redact(e.message);
    if (REFRESH_CODES.has(e.code)) {
      return {
        code,
        message,
        data: { reloginRequired: e.reloginRequired, retryable: e.retryable, code: e.code },
      };
    }
    // Facts the caller can act on (e.g. the known accounts of an unknown `account`), never a token.
    return { code, message, data: { ...e.data, code: e.code } };
  }
  const detail = e instanceof Error && e.message ? `: ${truncate(e.message, 300)}` : '';
  return { code: RpcErrorCode.InternalError, message: redact(`Internal error${detail}`) };
}

export function resultResponse(id: RpcId, result: unknown): RpcResponse {
  return { jsonrpc: '2.0', id, result: result === undefined ? null : result };
}

/** The JSON text of each result that cannot change, or null for a frozen object that could (see below). */
const fixedJson = new WeakMap<object, string | null>();

/**
 * A result response as a line: the same text as `JSON.stringify(resultResponse(id, result)) + '\n'`. A result
 * the Service froze and that holds only plain values (a session's Credentials: the same object for as long as
 * the token stays the same) is serialized once instead of per request — stringifying the token was the
 * largest cost of an answer.
 */
export function resultLine(id: RpcId, result: unknown): string {
  if (typeof result === 'object' && result !== null && Object.isFrozen(result)) {
    let json = fixedJson.get(result);
    if (json === undefined) {
      json = isFlatPlain(result) ? JSON.stringify(result) : null;
      fixedJson.set(result, json);
    }
    if (json !== null) return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${json}}\n`;
  }
  return JSON.stringify(resultResponse(id, result)) + '\n';
}

/**
 * A plain object whose own properties all hold strings, numbers, booleans or null (no getter, which could answer
 * differently each time, and no nested object, which freezing does not reach): frozen, its JSON cannot change.
 */
function isFlatPlain(o: object): boolean {
  const proto = Object.getPrototypeOf(o) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const d of Object.values(Object.getOwnPropertyDescriptors(o))) {
    if (!('value' in d)) return false;
    const v = d.value as unknown;
    if (v !== null && typeof v !== 'string' && typeof v !== 'boolean' && typeof v !== 'number') return false;
  }
  return true;
}

export function errorResponse(id: RpcId, error: RpcErrorObject): RpcResponse {
  return { jsonrpc: '2.0', id, error };
}

/** A notification from the server (spec §4.1): no id, never answered. */
export function notification(
  method: string,
  params: unknown,
): { jsonrpc: '2.0'; method: string; params: unknown } {
  return { jsonrpc: '2.0', method, params };
}

function invalid(id: RpcId, code: number, message: string): ParsedMessage {
  return { kind: 'invalid', id, error: { code, message: redact(message) } };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
