/**
 * Sample answers of the tool methods (`tools.*`, `codex.*`, `credentials.invalidate`) for the small test
 * Services of the transports' tests, which check how a method travels rather than what it does.
 */
import type { CodexStatus, Credentials, ToolInfo } from '../../core/api/contract';
import type { CallContext, MethodHandlers } from '../../core/api/service';
import type { ToolMethods } from '../../core/tools/tools-service';

export function sampleTools(): ToolInfo[] {
  return [
    {
      name: 'my-agent',
      decision: null,
      pending: true,
      pendingUntil: new Date(Date.now() + 120_000).toISOString(),
      pid: 4242,
      pidVerified: true,
      executable: '/usr/bin/python3',
      connections: 1,
    },
    {
      name: 'keybridge-cli',
      decision: 'allowed',
      pending: false,
      decidedAt: '2025-01-01T10:00:00.000Z',
      decidedBy: 'user',
      lastUsedAt: '2025-01-01T10:05:00.000Z',
      connections: 0,
    },
  ];
}

export function sampleCodexStatus(enabled = false): CodexStatus {
  return {
    enabled,
    path: '/home/ada/.codex/auth.json',
    file: enabled ? 'ours' : 'missing',
    ...(enabled ? { lastWrittenAt: '2025-01-01T10:00:00.000Z' } : {}),
  };
}

/** The tools service's methods but `credentials.get`, which each test answers its own way. */
type ToolMethodName = Exclude<ToolMethods, 'credentials.get'>;

/** The tool methods with sample answers; `record` sees every call; `credentials` answers invalidate. */
export function toolMethodStubs(
  record: (method: ToolMethodName, params: unknown, ctx: CallContext) => void,
  credentials: () => Credentials,
): Pick<MethodHandlers, ToolMethodName> {
  let codexEnabled = false;
  return {
    async 'credentials.invalidate'(params, ctx) {
      record('credentials.invalidate', params, ctx);
      return credentials();
    },
    async 'tools.list'(params, ctx) {
      record('tools.list', params, ctx);
      return sampleTools();
    },
    async 'tools.decide'(params, ctx) {
      record('tools.decide', params, ctx);
      return sampleTools().map((t) =>
        t.name === params.name
          ? { ...t, pending: false, decision: params.allow ? ('allowed' as const) : ('denied' as const) }
          : t,
      );
    },
    async 'tools.revoke'(params, ctx) {
      record('tools.revoke', params, ctx);
      return sampleTools().map((t) => (t.name === params.name ? { ...t, decision: 'denied' as const } : t));
    },
    async 'codex.status'(params, ctx) {
      record('codex.status', params, ctx);
      return sampleCodexStatus(codexEnabled);
    },
    async 'codex.enable'(params, ctx) {
      record('codex.enable', params, ctx);
      codexEnabled = true;
      return sampleCodexStatus(true);
    },
    async 'codex.disable'(params, ctx) {
      record('codex.disable', params, ctx);
      codexEnabled = false;
      return sampleCodexStatus(false);
    },
  };
}
