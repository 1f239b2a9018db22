/**
 * The renderer's gate, the same for Electron IPC and the browser's WebSocket: the method must be one the
 * renderer is granted (never `credentials.*`), its params must match the contract's schema, and so must the
 * result before it leaves the host (zod drops any field the schema does not name, so nothing beyond the
 * contract, never a token, can ride along); events and status are checked the same way. Failures are
 * `{code, message}` in the one vocabulary of rpc-errors.ts, messages redacted. Each transport only wraps the
 * answer in its own envelope (ipc-dispatch.ts, headless/web/rpc.ts).
 */
import type { z } from 'zod';
import { asKeybridgeError, redact, type ErrorCode } from '../errors';
import { describeIssues, events, methods, Status } from './contract';
import { isRendererMethod, type EventName } from './protocol';
import { REFRESH_CODES, type GateErrorCode } from './rpc-errors';
import type { CallContext, Service } from './service';

export interface GateError {
  code: ErrorCode | GateErrorCode;
  message: string;
  /** A failed refresh (rpc-errors.ts REFRESH_CODES) says whether signing in again is the way out. */
  reloginRequired?: boolean;
  retryable?: boolean;
}

export type GateAnswer = { ok: true; result: unknown } | { ok: false; error: GateError };

const fail = (code: GateError['code'], message: string): GateAnswer => ({
  ok: false,
  error: { code, message: redact(message) },
});

type Handler = (params: unknown, ctx: CallContext) => Promise<unknown>;

/** One call from the renderer, checked on the way in and on the way out. */
export async function callFromRenderer(
  service: Service,
  method: unknown,
  params: unknown,
  ctx: CallContext,
  log: (line: string) => void = () => {},
): Promise<GateAnswer> {
  if (typeof method !== 'string' || method === '')
    return fail('invalid_request', 'A call needs a method name.');
  const shown = method.slice(0, 64);
  if (!isRendererMethod(method)) {
    log(`${ctx.transport}: refused method ${JSON.stringify(shown)}`);
    return fail('method_not_allowed', `The window may not call ${shown}.`);
  }
  const spec = methods[method];
  const parsed = (spec.params as z.ZodType).safeParse(params);
  if (!parsed.success) {
    return fail('invalid_params', `Invalid params for ${method}: ${describeIssues(parsed.error)}`);
  }
  let result: unknown;
  try {
    result = await (service[method] as Handler).call(service, parsed.data, ctx);
  } catch (e) {
    const err = asKeybridgeError(e);
    if (err.code === 'internal') log(`${ctx.transport}: ${method} failed: ${redact(err.message)}`);
    if (!REFRESH_CODES.has(err.code)) return fail(err.code, err.message);
    const error = { code: err.code, message: redact(err.message) };
    return { ok: false, error: { ...error, reloginRequired: err.reloginRequired, retryable: err.retryable } };
  }
  const checked = (spec.result as z.ZodType).safeParse(result);
  if (!checked.success) {
    log(`${ctx.transport}: ${method} answered outside its schema`);
    return fail('internal', 'Keybridge answered with something unexpected. Try again, or restart Keybridge.');
  }
  return { ok: true, result: checked.data };
}

/** A renderer event (`tools.changed`, `codex.changed`) as it may be sent to the page; undefined when it does not match. */
export function rendererEvent(
  name: EventName,
  payload: unknown,
): { name: EventName; payload: unknown } | undefined {
  const checked = events[name].safeParse(payload);
  return checked.success ? { name, payload: checked.data } : undefined;
}

/** A status as it may be sent to the page: schema-checked, unknown fields dropped; undefined when it does not match. */
export function rendererStatus(status: unknown): Status | undefined {
  const checked = Status.safeParse(status);
  return checked.success ? checked.data : undefined;
}
