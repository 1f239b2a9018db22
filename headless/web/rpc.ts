/**
 * JSON-RPC 2.0 for the browser UI, in the broker's shapes (parsing, params checks and error mapping are the
 * broker's own functions, so both transports answer alike). Only the renderer's grants are callable, and
 * every result and status is re-parsed through the contract's schema on the way out: zod drops any field
 * the contract does not name, so nothing beyond Status (never a token) can reach the page.
 */
import { events, grants, methods, Status, type EventName } from '../../core/api/contract';
import type { CallContext, Service } from '../../core/api/service';
import {
  dispatch,
  errorResponse,
  notification,
  parseMessage,
  resultResponse,
  toRpcError,
  type RpcResponse,
} from '../../core/broker/jsonrpc';
import { KeybridgeError } from '../../core/errors';

const CONTEXT: CallContext = { transport: 'websocket' };

/** Handles one WebSocket text message; resolves with the answer to send, or null for a notification. */
export async function handleRpcMessage(
  service: Service,
  text: string,
  log: (line: string) => void = () => {},
): Promise<RpcResponse | null> {
  const msg = parseMessage(text);
  if (msg.kind === 'invalid') return errorResponse(msg.id, msg.error);
  const id = msg.kind === 'request' ? msg.id : undefined;
  try {
    const result = await call(service, msg.method, msg.params);
    return id === undefined ? null : resultResponse(id, result);
  } catch (e) {
    const error = toRpcError(e);
    if (error.code === -32603) log(`web ui: ${msg.method.slice(0, 80)} failed: ${error.message}`);
    return id === undefined ? null : errorResponse(id, error);
  }
}

async function call(service: Service, method: string, params: unknown): Promise<unknown> {
  const { name, result } = await dispatch(service, method, params, CONTEXT, grants.renderer);
  const checked = methods[name].result.safeParse(result);
  if (!checked.success)
    throw new KeybridgeError('internal', `The host answered ${name} with an unexpected shape.`);
  return checked.data;
}

/** A renderer event (`tools.changed`, `codex.changed`) as a notification, schema-checked; null when it does not match. */
export function eventNotification(name: EventName, payload: unknown): ReturnType<typeof notification> | null {
  const checked = events[name].safeParse(payload);
  return checked.success ? notification(name, checked.data) : null;
}

/** The `status.changed` notification, or null when the status does not match the contract. */
export function statusNotification(status: unknown): ReturnType<typeof notification> | null {
  const checked = Status.safeParse(status);
  return checked.success ? notification('status.changed', checked.data) : null;
}
