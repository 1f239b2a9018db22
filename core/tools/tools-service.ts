/**
 * The part of the Service that concerns local tools: credentials behind tool approval, `credentials.invalidate`,
 * the approval list (`tools.*`), sharing with Codex CLI (`codex.*`), and the notifications that tell every
 * subscribed tool at once when the token changes, the session ends, or its access is revoked.
 *
 * Rules (docs/client.md "Approval", docs/security.md "Broker approvals"):
 * - A broker caller needs its client name approved before it gets a token (ApprovalGate). Calls from the
 *   host itself (IPC, WebSocket) never reach credentials: the renderer is not granted them.
 * - No token is served after sign-out or revocation: the check runs again after any await, so a request
 *   that was in flight when the session ended or the tool was revoked fails too (-32001 / -32003).
 * - `credentials.changed` carries `accessToken` only to tools whose name is recorded as allowed.
 * - The refresh token never leaves the session.
 */
import { createHash } from 'node:crypto';
import type { CodexStatus, Credentials, CredentialsChanged, ToolInfo } from '../api/contract';
import type { BrokerNotice, CallContext, PeerInfo, Service, ServiceEvent } from '../api/service';
import type { CodexSharing } from '../codex/sharing';
import { KeybridgeError } from '../errors';
import { safeText } from '../text/safe-text';
import type { CredentialsListener, CredentialsReason, SessionCredentials } from '../session/session';
import { isThroughSsh, type ApprovalChange, type ApprovalGate } from './approvals';

/** The session as the tools need it (core/session's Session fits). */
export interface ToolsSession {
  credentials(minTtlSeconds?: number): Promise<Credentials>;
  /** Single-flight refresh. */
  refresh(): Promise<unknown>;
  currentCredentials(): SessionCredentials | null;
  onCredentials(listener: CredentialsListener): () => void;
}

export interface ToolsServiceOptions {
  session: ToolsSession;
  gate: ApprovalGate;
  /** Absent where sharing with Codex CLI is not set up (codex.* then say so). */
  codex?: CodexSharing;
  log?: (line: string) => void;
}

type ToolMethods =
  | 'credentials.get'
  | 'credentials.invalidate'
  | 'tools.list'
  | 'tools.decide'
  | 'tools.revoke'
  | 'codex.status'
  | 'codex.enable'
  | 'codex.disable';

export type ToolsService = Pick<Service, ToolMethods> &
  Required<Pick<Service, 'onBrokerNotice' | 'onEvent' | 'brokerConnection'>> & {
    /** Stops following the session and the gate. */
    close(): void;
  };

/** Hex SHA-256 of an access token: how tools and the host name a token without sending it. */
export function tokenSha256(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('hex');
}

/** tools.changed is sent at most this often (a burst of requests is one event). */
const TOOLS_EVENT_DELAY_MS = 25;
/**
 * A use changes only "last used": a tool asking in a loop must not rebuild and send the list every 25 ms.
 * At most once a second, like the registry's write of it (tools-registry.ts).
 */
const USED_EVENT_DELAY_MS = 1000;

export function createToolsService(opts: ToolsServiceOptions): ToolsService {
  const { session, gate, codex } = opts;
  const noticeListeners = new Set<(n: BrokerNotice) => void>();
  const eventListeners = new Set<(e: ServiceEvent) => void>();
  let toolsTimer: NodeJS.Timeout | null = null;
  /** When the scheduled tools.changed goes out (a more urgent change brings it forward). */
  let toolsDue = 0;
  /** The hash of the current token, kept while the token stays the same (asked for per notice and invalidate). */
  let hashed: { token: string; sha256: string } | null = null;
  const currentSha256 = (accessToken: string): string => {
    if (hashed?.token !== accessToken) hashed = { token: accessToken, sha256: tokenSha256(accessToken) };
    return hashed.sha256;
  };

  const notice = (n: BrokerNotice) => {
    for (const l of noticeListeners) l(n);
  };
  const event = (e: ServiceEvent) => {
    for (const l of eventListeners) l(e);
  };
  const toolsChanged = (delayMs = TOOLS_EVENT_DELAY_MS) => {
    if (eventListeners.size === 0) return;
    const due = Date.now() + delayMs;
    if (toolsTimer) {
      if (toolsDue <= due) return;
      clearTimeout(toolsTimer);
    }
    toolsDue = due;
    toolsTimer = setTimeout(() => {
      toolsTimer = null;
      event({ name: 'tools.changed', payload: { tools: gate.list() } });
    }, delayMs);
    toolsTimer.unref?.();
  };

  /** The credentials.changed params for one tool; `names` limits it to those tools. */
  const credentialsNotice = (
    reason: CredentialsChanged['reason'],
    names?: ReadonlySet<string>,
  ): BrokerNotice => {
    const creds = session.currentCredentials();
    const base = {
      reason,
      expiresAt: creds ? new Date(creds.expiresAt).toISOString() : null,
      tokenSha256: creds ? currentSha256(creds.accessToken) : null,
      accountId: creds ? creds.accountId : null,
    };
    return {
      method: 'credentials.changed',
      topic: 'credentials',
      paramsFor(client) {
        if (names && !names.has(client.name)) return undefined;
        const access = gate.recordedAccess(client.name);
        const params: CredentialsChanged =
          access === 'allowed' && creds
            ? { ...base, accessToken: creds.accessToken, access }
            : { ...base, access };
        return params;
      },
    };
  };

  /**
   * Notices that end access go out after the current microtasks: a request whose check passed just before the
   * session ended (or the tool was revoked) is answered first, so on the wire no token ever follows the notice
   * (and every request checked after the change is refused).
   */
  const afterPendingAnswers = (send: () => void) => setImmediate(send);

  const stopSession = session.onCredentials((_creds, reason: CredentialsReason) => {
    // A new token (or none): the cached hash must not outlive the token it names.
    hashed = null;
    // Restored at start: no tool is connected yet.
    if (reason === 'restored') return;
    if (reason === 'signedOut' || reason === 'expired')
      afterPendingAnswers(() => notice(credentialsNotice(reason)));
    else notice(credentialsNotice(reason));
  });

  const stopGate = gate.onChange((change: ApprovalChange) => {
    // Every credentials request emits `used`: it only reschedules the list, nothing else is built for it.
    if (change.kind === 'used') {
      toolsChanged(USED_EVENT_DELAY_MS);
      return;
    }
    const only = new Set([change.name]);
    switch (change.kind) {
      case 'pending': {
        const p = gate.pendingRequest(change.name);
        // Once per request: the tool learns it waits (the later update only adds who is asking).
        if (p && !change.update) {
          notice({
            method: 'approval.pending',
            paramsFor: (client) =>
              only.has(client.name)
                ? { name: change.name, until: new Date(p.until).toISOString() }
                : undefined,
          });
        }
        break;
      }
      case 'decided':
        if (change.by === 'user' && change.decision === 'allowed')
          notice(credentialsNotice('approved', only));
        else if (change.by === 'user') afterPendingAnswers(() => notice(credentialsNotice('denied', only)));
        break;
      case 'revoked':
        // A tool on another machine is cut off at once: its connections close after the notice.
        afterPendingAnswers(() =>
          notice({
            ...credentialsNotice('revoked', only),
            ...(isThroughSsh(change.name) ? { closes: (client) => only.has(client.name) } : {}),
          }),
        );
        break;
      case 'timedOut':
        break;
    }
    toolsChanged();
  });

  const stopCodex = codex?.onChange((status) => event({ name: 'codex.changed', payload: status }));

  /** The broker caller's tool name; undefined for the host's own transports. */
  const toolOf = (ctx: CallContext): string | undefined =>
    ctx.transport === 'broker' ? ctx.client?.name : undefined;

  /** Not signed in: fail with the session's own error before asking anyone to approve anything. */
  const requireSignedIn = async (minTtl?: number) => {
    if (!session.currentCredentials()) await session.credentials(minTtl);
  };

  /** After any await: the tool must still be allowed and the session must still exist. */
  const stillServed = (name: string | undefined, ctx: CallContext) => {
    if (name !== undefined) {
      if (gate.access(name) !== 'allowed') {
        throw new KeybridgeError(
          'access_denied_tool',
          `"${safeText(name)}" is not allowed to use your OpenAI session any more. Allow it under "Connected tools" in Keybridge.`,
        );
      }
    }
    if (!session.currentCredentials()) {
      throw new KeybridgeError(
        'not_signed_in',
        'Signed out while the request was running. Sign in from the Keybridge tray or run `keybridge login`.',
      );
    }
    if (name !== undefined) gate.touch(name, reportedPeer(ctx));
  };

  const requireCodex = (): CodexSharing => {
    if (!codex) {
      throw new KeybridgeError('internal', 'Sharing with Codex CLI is not available in this Keybridge.');
    }
    return codex;
  };

  return {
    async 'credentials.get'(params, ctx) {
      const name = toolOf(ctx);
      // A tool on record as allowed (every request after its first) has nothing to ask: the session's own
      // not-signed-in error comes from `credentials` below, and `stillServed` checks again after the await.
      if (name !== undefined && gate.recordedAccess(name) !== 'allowed') {
        await requireSignedIn(params?.minTtlSeconds);
        await gate.authorize(name, ctx.peer);
      }
      const creds = await session.credentials(params?.minTtlSeconds);
      stillServed(name, ctx);
      if (params?.idToken) {
        // The id_token of the same grant as the access token just handed out (a refresh replaces both).
        const current = session.currentCredentials();
        if (current?.idToken && current.accessToken === creds.accessToken)
          return { ...creds, idToken: current.idToken };
      }
      return creds;
    },

    async 'credentials.invalidate'(params, ctx) {
      const name = toolOf(ctx);
      await requireSignedIn();
      if (name !== undefined) await gate.authorize(name, ctx.peer);
      const current = session.currentCredentials();
      if (current && currentSha256(current.accessToken) === params.tokenSha256.toLowerCase()) {
        opts.log?.(
          `tools: ${name === undefined ? 'a caller' : `"${safeText(name)}"`} reports the current token as rejected; refreshing`,
        );
        await session.refresh();
      }
      const creds = await session.credentials();
      stillServed(name, ctx);
      return creds;
    },

    async 'tools.list'(): Promise<ToolInfo[]> {
      return gate.list();
    },

    async 'tools.decide'(params) {
      await gate.decide(params.name, params.allow);
      return gate.list();
    },

    async 'tools.revoke'(params) {
      await gate.revoke(params.name);
      return gate.list();
    },

    async 'codex.status'(): Promise<CodexStatus> {
      return requireCodex().status();
    },

    async 'codex.enable'(params, ctx) {
      const sharing = requireCodex();
      // Enabling writes the token to a file any process of this user can read: a tool needs approval first.
      const name = toolOf(ctx);
      if (name !== undefined) await gate.authorize(name, ctx.peer);
      return sharing.enable({ replaceExisting: params?.replaceExisting === true });
    },

    async 'codex.disable'() {
      return requireCodex().disable();
    },

    onBrokerNotice(listener) {
      noticeListeners.add(listener);
      return () => noticeListeners.delete(listener);
    },

    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },

    brokerConnection(client, open) {
      if (open) gate.connectionOpened(client.name);
      else gate.connectionClosed(client.name);
      if (gate.isKnown(client.name)) toolsChanged();
    },

    close() {
      stopSession();
      stopGate();
      stopCodex?.();
      if (toolsTimer) clearTimeout(toolsTimer);
      noticeListeners.clear();
      eventListeners.clear();
    },
  };
}

function reportedPeer(ctx: CallContext): PeerInfo | undefined {
  return ctx.reportedPid === undefined ? undefined : { pid: ctx.reportedPid, verified: false };
}
