/**
 * JSON-RPC 2.0 for the browser UI: a thin wrapper around the one renderer gate (core/api/renderer-gate.ts),
 * which checks grants, params, results and events exactly as it does for Electron IPC. A failure is
 * answered as a JSON-RPC error whose number follows the gate's string code (core/api/rpc-errors.ts) and
 * whose `data.code` is that string code, the one the IPC envelope carries too.
 */
import type { EventName } from '../../core/api/protocol';
import {
  callFromRenderer,
  rendererEvent,
  rendererStatus,
  type GateError,
} from '../../core/api/renderer-gate';
import { rpcCodeFor } from '../../core/api/rpc-errors';
import type { CallContext, Service } from '../../core/api/service';
import {
  errorResponse,
  notification,
  parseMessage,
  resultResponse,
  type RpcErrorObject,
  type RpcResponse,
} from '../../core/broker/jsonrpc';

const CONTEXT: CallContext = { transport: 'websocket' };

/** A gate failure as a JSON-RPC error object. */
export function gateErrorToRpc(error: GateError): RpcErrorObject {
  const { code, message, ...more } = error;
  return { code: rpcCodeFor(code), message, data: { ...more, code } };
}

/** Handles one WebSocket text message; resolves with the answer to send, or null for a notification. */
export async function handleRpcMessage(
  service: Service,
  text: string,
  log: (line: string) => void = () => {},
): Promise<RpcResponse | null> {
  const msg = parseMessage(text);
  if (msg.kind === 'invalid') return errorResponse(msg.id, msg.error);
  const answer = await callFromRenderer(service, msg.method, msg.params, CONTEXT, log);
  if (msg.kind === 'notification') return null;
  return answer.ok
    ? resultResponse(msg.id, answer.result)
    : errorResponse(msg.id, gateErrorToRpc(answer.error));
}

/** A renderer event (`tools.changed`, `codex.changed`) as a notification, schema-checked; null when it does not match. */
export function eventNotification(name: EventName, payload: unknown): ReturnType<typeof notification> | null {
  const safe = rendererEvent(name, payload);
  return safe ? notification(name, safe.payload) : null;
}

/** The `status.changed` notification, or null when the status does not match the contract. */
export function statusNotification(status: unknown): ReturnType<typeof notification> | null {
  const safe = rendererStatus(status);
  return safe ? notification('status.changed', safe) : null;
}
