/**
 * The web UI's transport as a test drives it: the link `keybridge serve --ui` prints (its one-time token),
 * the page's Origin, JSON-RPC calls and the notifications (`tools.changed`, `status.changed`) that arrive.
 */
import { WebSocket } from 'ws';
import type { ToolInfo } from '../../core/api/contract';
import { until } from './signed-in-host';

/** The UI's transport: the link's one-time token, the page's Origin, JSON-RPC and its notifications. */
export async function openUiSocket(output: () => string, cleanups: Array<() => unknown>) {
  const link = await until(
    'the UI link',
    () => /Open the Keybridge UI: (http:\/\/127\.0\.0\.1:(\d+)\/#token=(\S+))/.exec(output()) ?? undefined,
  );
  const origin = `http://127.0.0.1:${link[2]}`;
  const ws = new WebSocket(`ws://127.0.0.1:${link[2]}/ws?token=${link[3]}`, { headers: { Origin: origin } });
  await new Promise<void>((res, rej) => ws.once('open', () => res()).once('error', rej));
  const events: Array<{ method: string; params: unknown }> = [];
  const answers = new Map<number, { result?: unknown; error?: { code: number; message: string } }>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if (msg.method) events.push({ method: msg.method, params: msg.params });
    else answers.set(msg.id, msg);
  });
  let id = 0;
  const call = async (method: string, params?: unknown) => {
    const n = ++id;
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: n, method, params }));
    const answer = await until(`UI answer to ${method}`, () => answers.get(n));
    if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
    return answer.result;
  };
  /** The latest `tools.changed` list that satisfies `pred`. */
  const toolsWhere = (pred: (tools: ToolInfo[]) => boolean) =>
    until('a tools.changed event', () => {
      const last = events.filter((e) => e.method === 'tools.changed').at(-1);
      const tools = (last?.params as { tools: ToolInfo[] } | undefined)?.tools;
      return tools && pred(tools) ? tools : undefined;
    });
  cleanups.push(() => ws.close());
  return { call, events, toolsWhere };
}
