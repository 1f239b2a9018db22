/**
 * Tool approval (docs/client.md "Approval"; what it does and does not protect: docs/security.md
 * "Broker approvals"): the first credential request of a client name the user has not decided on waits for
 * the user's answer (policy `ask`, the desktop default) or is allowed (policy `allow`, the headless
 * default). Answers are remembered per name in the ToolRegistry.
 *
 * - A denied (or revoked) tool is refused at once (-32003).
 * - While a request waits, every other request of that name joins it; when nobody answers within the
 *   timeout they all fail with -32004 and nothing is remembered (the next request asks again).
 * - Names are what tools say about themselves; the pid and executable shown with a request are the OS's
 *   answer where it gives one (the socket's peer), else what the tool reported, marked unverified.
 * - A name must pass core/text/tool-name.ts (printable, at most 64 characters, no bidi or invisible
 *   characters): the broker refuses others at `hello`, and the gate refuses them again (-32602), so the
 *   name the user is asked about is exactly the one the tool sent. In log lines it still goes through
 *   safeText, like every outside text.
 */
import type { ToolInfo } from '../api/contract';
import type { PeerInfo } from '../api/service';
import { KeybridgeError } from '../errors';
import { THROUGH_SSH } from '../broker/peer';
import { safeText } from '../text/safe-text';
import { toolNameProblem } from '../text/tool-name';
import type { ToolRegistry } from './registry';
import { tellEach } from '../listeners';

export type ToolPolicy = 'ask' | 'allow';
export type ToolAccess = 'allowed' | 'denied' | 'undecided';

export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000;
/** How long a pending request waits for the OS to name the caller before showing the prompt without it. */
const PEER_LOOKUP_MS = 1500;

export type ApprovalChange =
  /** `update`: the same request, now with the caller's pid and executable. */
  | { kind: 'pending'; name: string; update?: boolean }
  | { kind: 'decided'; name: string; decision: 'allowed' | 'denied'; by: 'user' | 'policy' }
  | { kind: 'revoked'; name: string }
  | { kind: 'timedOut'; name: string }
  | { kind: 'used'; name: string };

export interface ApprovalOptions {
  registry: ToolRegistry;
  policy: ToolPolicy;
  timeoutMs?: number;
  log?: (line: string) => void;
}

interface Pending {
  name: string;
  since: number;
  until: number;
  peer?: PeerInfo;
  timer: NodeJS.Timeout;
  waiters: Array<{ resolve(): void; reject(e: KeybridgeError): void }>;
}

export class ApprovalGate {
  readonly policy: ToolPolicy;
  readonly timeoutMs: number;
  private readonly registry: ToolRegistry;
  private readonly log: (line: string) => void;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(change: ApprovalChange) => void>();
  private readonly connections = new Map<string, number>();

  constructor(opts: ApprovalOptions) {
    this.registry = opts.registry;
    this.policy = opts.policy;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
    this.log = opts.log ?? (() => {});
  }

  /** What a tool may do right now, without asking anyone. */
  access(name: string): ToolAccess {
    const record = this.registry.get(name);
    if (record) return record.decision;
    return this.policy === 'allow' ? 'allowed' : 'undecided';
  }

  /** The decision on record only: what `credentials.changed` goes by (the token only to tools allowed so far). */
  recordedAccess(name: string): ToolAccess {
    return this.registry.get(name)?.decision ?? 'undecided';
  }

  /** True when `name` is in the list (decided or pending). */
  isKnown(name: string): boolean {
    return this.pending.has(name) || this.registry.get(name) !== undefined;
  }

  /**
   * Resolves when `name` may have credentials; asks the user first where the policy says so. Throws
   * KeybridgeError `access_denied_tool` (-32003) or `approval_timeout` (-32004).
   */
  async authorize(name: string, peer?: () => Promise<PeerInfo | undefined>): Promise<void> {
    checkName(name);
    const record = this.registry.get(name);
    if (record?.decision === 'denied') throw deniedError(name);
    if (record?.decision === 'allowed') return;
    if (this.policy === 'allow') {
      // Not the user's decision: it need not be on disk first (the policy would allow it again).
      void this.record(name, 'allowed', 'policy');
      this.emit({ kind: 'decided', name, decision: 'allowed', by: 'policy' });
      return;
    }
    return this.wait(name, peer);
  }

  /** Notes that `name` got credentials (for "last used"). */
  touch(name: string, who?: PeerInfo): void {
    this.registry.touch(
      name,
      who ? { pid: who.pid, pidVerified: who.verified, executable: who.executable } : undefined,
    );
    this.emit({ kind: 'used', name });
  }

  /** The user's answer: remembered, and any pending request of that name is answered at once. */
  async decide(name: string, allow: boolean): Promise<void> {
    checkName(name);
    const p = this.pending.get(name);
    const saved = this.record(name, allow ? 'allowed' : 'denied', 'user', p?.peer);
    if (p) {
      this.pending.delete(name);
      clearTimeout(p.timer);
      for (const w of p.waiters) {
        if (allow) w.resolve();
        else w.reject(deniedError(name));
      }
    }
    this.log(`tools: ${allow ? 'allowed' : 'denied'} "${safeText(name)}"`);
    this.emit({ kind: 'decided', name, decision: allow ? 'allowed' : 'denied', by: 'user' });
    await saved;
  }

  /** Takes access away (remembered as denied): no token is served to `name` from now on. */
  async revoke(name: string): Promise<void> {
    checkName(name);
    const p = this.pending.get(name);
    const saved = this.record(name, 'denied', 'user', p?.peer);
    if (p) {
      this.pending.delete(name);
      clearTimeout(p.timer);
      for (const w of p.waiters) w.reject(deniedError(name));
    }
    this.log(`tools: revoked "${safeText(name)}"`);
    this.emit({ kind: 'revoked', name });
    await saved;
  }

  /** The broker tells which tools are connected now (shown in the list). */
  connectionOpened(name: string): void {
    this.connections.set(name, (this.connections.get(name) ?? 0) + 1);
  }

  connectionClosed(name: string): void {
    const n = (this.connections.get(name) ?? 0) - 1;
    if (n > 0) this.connections.set(name, n);
    else this.connections.delete(name);
  }

  pendingRequest(name: string): { until: number } | undefined {
    const p = this.pending.get(name);
    return p && { until: p.until };
  }

  /** Every tool the user decided on or that waits for an answer: pending first, then by last use. */
  list(): ToolInfo[] {
    const names = new Set([...this.pending.keys(), ...this.registry.names()]);
    const tools: ToolInfo[] = [];
    for (const name of names) {
      const r = this.registry.get(name);
      const p = this.pending.get(name);
      const pid = p?.peer?.pid ?? r?.lastPid;
      const pidVerified = p?.peer ? p.peer.verified : r?.lastPidVerified;
      const executable = p?.peer ? p.peer.executable : r?.lastExecutable;
      tools.push({
        name,
        decision: r?.decision ?? null,
        pending: p !== undefined,
        ...(p ? { pendingUntil: new Date(p.until).toISOString() } : {}),
        ...(r ? { decidedAt: r.decidedAt, decidedBy: r.decidedBy } : {}),
        ...(r?.lastUsedAt ? { lastUsedAt: r.lastUsedAt } : {}),
        ...(pid !== undefined ? { pid, pidVerified: pidVerified ?? false } : {}),
        ...(executable !== undefined ? { executable } : {}),
        connections: this.connections.get(name) ?? 0,
        // Only the broker gives a name this ending (core/broker/peer.ts): a local tool cannot claim it.
        ...(isThroughSsh(name) ? { via: 'ssh' as const } : {}),
      });
    }
    return tools.sort(
      (a, b) =>
        Number(b.pending) - Number(a.pending) ||
        (b.lastUsedAt ?? b.decidedAt ?? '').localeCompare(a.lastUsedAt ?? a.decidedAt ?? '') ||
        a.name.localeCompare(b.name),
    );
  }

  onChange(listener: (change: ApprovalChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fails every pending request (host shutdown). */
  close(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      for (const w of p.waiters)
        w.reject(
          new KeybridgeError('approval_timeout', 'Keybridge is stopping; the request was not answered.'),
        );
    }
    this.pending.clear();
    this.listeners.clear();
  }

  private wait(name: string, peer?: () => Promise<PeerInfo | undefined>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const existing = this.pending.get(name);
      if (existing) {
        existing.waiters.push({ resolve, reject });
        return;
      }
      const since = Date.now();
      const p: Pending = {
        name,
        since,
        until: since + this.timeoutMs,
        waiters: [{ resolve, reject }],
        timer: setTimeout(() => this.timeOut(p), this.timeoutMs),
      };
      this.pending.set(name, p);
      this.log(`tools: "${safeText(name)}" asks for credentials; waiting for the user's answer`);
      this.emit({ kind: 'pending', name });
      if (peer) {
        // The prompt shows at once; the caller's pid and executable join it when the OS has answered.
        void withTimeout(peer(), PEER_LOOKUP_MS).then((info) => {
          if (!info || this.pending.get(name) !== p) return;
          p.peer = info;
          this.emit({ kind: 'pending', name, update: true });
        });
      }
    });
  }

  private timeOut(p: Pending): void {
    if (this.pending.get(p.name) !== p) return;
    this.pending.delete(p.name);
    const seconds = Math.round(this.timeoutMs / 1000);
    const err = new KeybridgeError(
      'approval_timeout',
      `Nobody answered whether "${safeText(p.name)}" may use your OpenAI session within ${seconds} s. Run it again and choose Allow in Keybridge.`,
    );
    for (const w of p.waiters) w.reject(err);
    this.log(`tools: the request of "${safeText(p.name)}" timed out`);
    this.emit({ kind: 'timedOut', name: p.name });
  }

  /**
   * Takes effect at once (in memory, synchronously); the returned promise is the write to disk. A failed
   * write is logged by the registry and the decision holds for this run either way.
   */
  private record(
    name: string,
    decision: 'allowed' | 'denied',
    by: 'user' | 'policy',
    peer?: PeerInfo,
  ): Promise<void> {
    const saved = this.registry.decide(name, decision, by).catch(() => undefined);
    if (peer) {
      const who = { pid: peer.pid, pidVerified: peer.verified, executable: peer.executable };
      this.registry.touch(name, who, false);
    }
    return saved;
  }

  private emit(change: ApprovalChange): void {
    tellEach(this.listeners, (l) => l(change), this.log, 'tools');
  }
}

/** A tool on another machine, reaching the broker through SSH (its name was given by the broker). */
export function isThroughSsh(name: string): boolean {
  return name.endsWith(THROUGH_SSH);
}

/** Refuses a name no tool may have (-32602), without repeating it. */
function checkName(name: string): void {
  // A remote tool's name is its own plus the suffix the broker added: the tool's part is what is checked.
  const problem = toolNameProblem(isThroughSsh(name) ? name.slice(0, -THROUGH_SSH.length) : name);
  if (problem) throw new KeybridgeError('invalid_params', `Invalid tool name: ${problem}.`);
}

function deniedError(name: string): KeybridgeError {
  return new KeybridgeError(
    'access_denied_tool',
    `"${safeText(name)}" is not allowed to use your OpenAI session. Allow it under "Connected tools" in Keybridge.`,
  );
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}
