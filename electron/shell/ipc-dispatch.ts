/**
 * The renderer's calls, checked: the method must be one the renderer is granted (never `credentials.*`),
 * its params must match the contract's schema, and so must the result before it leaves the main process
 * (zod drops any field the schema does not name, so nothing extra can ride along). Failures come back as
 * `{code, message}` with the message redacted. Electron-free, so it is tested in plain Node; ipc.ts adds
 * the sender check and the channels.
 */
import { events, methods, Status, type EventName } from '../../core/api/contract';
import { isRendererMethod } from '../../core/api/bridge';
import type { CallContext, Service } from '../../core/api/service';
import { asKeybridgeError, redact } from '../../core/errors';

export interface IpcError {
  code: string;
  message: string;
}

/** What `keybridge:invoke` answers. The preload turns `ok: false` into a rejection with `{code, message}`. */
export type InvokeEnvelope = { ok: true; result: unknown } | { ok: false; error: IpcError };

const fail = (code: string, message: string): InvokeEnvelope => ({ ok: false, error: { code, message } });

export async function dispatchRendererCall(
  service: Service,
  payload: unknown,
  ctx: CallContext,
  log: (line: string) => void = () => {},
): Promise<InvokeEnvelope> {
  if (
    typeof payload !== 'object' ||
    payload === null ||
    typeof (payload as { method?: unknown }).method !== 'string'
  ) {
    return fail('invalid_request', 'A call needs a method name.');
  }
  const { method, params } = payload as { method: string; params?: unknown };
  if (!isRendererMethod(method)) {
    log(`ipc: refused method ${JSON.stringify(method.slice(0, 64))}`);
    return fail('method_not_allowed', `The window may not call ${method.slice(0, 64)}.`);
  }
  const spec = methods[method];
  const parsed = spec.params.safeParse(params);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`)
      .join('; ');
    return fail('invalid_params', redact(`Invalid parameters for ${method}: ${issues}`));
  }
  let result: unknown;
  try {
    const handler = service[method] as (p: unknown, c: CallContext) => Promise<unknown>;
    result = await handler.call(service, parsed.data, ctx);
  } catch (e) {
    const err = asKeybridgeError(e);
    return fail(err.code, redact(err.message));
  }
  const checked = spec.result.safeParse(result);
  if (!checked.success) {
    log(`ipc: ${method} answered outside its schema`);
    return fail('internal', 'Keybridge answered with something unexpected. Try again, or restart Keybridge.');
  }
  return { ok: true, result: checked.data };
}

/** A renderer event (`tools.changed`, `codex.changed`) as it may be sent to the window: schema-checked. */
export function eventForRenderer(
  name: EventName,
  payload: unknown,
): { name: EventName; payload: unknown } | undefined {
  const checked = events[name].safeParse(payload);
  return checked.success ? { name, payload: checked.data } : undefined;
}

/** A status event as it may be sent to the window: schema-checked, unknown fields dropped. */
export function statusForRenderer(status: unknown): Status | undefined {
  const checked = Status.safeParse(status);
  return checked.success ? checked.data : undefined;
}
