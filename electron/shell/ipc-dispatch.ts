/**
 * The renderer's calls over IPC: a thin wrapper around the one renderer gate (core/api/renderer-gate.ts),
 * which checks the method grant and the params and result schemas for IPC and the WebSocket alike. Its
 * answer is the IPC envelope as is. Electron-free, so it is tested in plain Node; ipc.ts adds the sender
 * check (ipc-handle.ts) and the channels.
 */
import {
  callFromRenderer,
  rendererEvent,
  rendererStatus,
  type GateAnswer,
} from '../../core/api/renderer-gate';
import type { CallContext, Service } from '../../core/api/service';

/** What `keybridge:invoke` answers. The preload turns `ok: false` into a rejection with `{code, message}`. */
export type InvokeEnvelope = GateAnswer;

export async function dispatchRendererCall(
  service: Service,
  payload: unknown,
  ctx: CallContext,
  log: (line: string) => void = () => {},
): Promise<InvokeEnvelope> {
  const { method, params } =
    typeof payload === 'object' && payload !== null
      ? (payload as { method?: unknown; params?: unknown })
      : { method: undefined, params: undefined };
  return callFromRenderer(service, method, params, ctx, log);
}

/** A renderer event (`tools.changed`, `codex.changed`) as it may be sent to the window: schema-checked. */
export const eventForRenderer = rendererEvent;

/** A status event as it may be sent to the window: schema-checked, unknown fields dropped. */
export const statusForRenderer = rendererStatus;
