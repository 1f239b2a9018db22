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
 * - Several accounts (docs/accounts.md): a tool that names `account` in its requests is pinned to that account
 *   and hears only that account's changes; every other tool follows the active account, and hears `switched`
 *   (with the new account's token) when it changes.
 * - The refresh token never leaves the session.
 */
import { createHash } from 'node:crypto';
import type { CodexStatus, Credentials, CredentialsChanged, ToolInfo } from '../api/contract';
import type { BrokerNotice, CallContext, PeerInfo, Service, ServiceEvent } from '../api/service';
import type { CodexSharing } from '../codex/sharing';
import { KeybridgeError } from '../errors';
import { safeText } from '../text/safe-text';
import type {
  CredentialsListener,
  CredentialsReason,
  CredentialsScope,
  SessionCredentials,
} from '../session/session';
import { isThroughSsh, type ApprovalChange, type ApprovalGate } from './approvals';

/** The session as the tools need it (core/session's Session fits). */
export interface ToolsSession {
  /** `account`: an account id or email; default the active account. */
  credentials(minTtlSeconds?: number, account?: string): Promise<Credentials>;
  /** Single-flight refresh (per account). */
  refresh(account?: string): Promise<unknown>;
  currentCredentials(account?: string): SessionCredentials | null;
  onCredentials(listener: CredentialsListener): () => void;
  /** The account id `ref` names; throws invalid_params (listing the known ones) when none. */
  resolve(ref: string): { id: string };
}

export interface ToolsServiceOptions {
  session: ToolsSession;
  gate: ApprovalGate;
  /** Absent where sharing with Codex CLI is not set up (codex.* then say so). */
  codex?: CodexSharing;
  log?: (line: string) => void;
}

export type ToolMethods =
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

  /** Tools that named an account in their requests: tool name → account id. */
  const pins = new Map<string, string>();

  const paramsOf = (
    reason: CredentialsChanged['reason'],
    creds: SessionCredentials | null,
    accountId: string | null,
    client: { name: string },
  ): CredentialsChanged => {
    const access = gate.recordedAccess(client.name);
    const base = {
      reason,
      expiresAt: creds ? new Date(creds.expiresAt).toISOString() : null,
      tokenSha256: creds ? currentSha256(creds.accessToken) : null,
      accountId: creds ? creds.accountId : accountId,
    };
    return access === 'allowed' && creds
      ? { ...base, accessToken: creds.accessToken, access }
      : { ...base, access };
  };

  /**
   * A change of one account's token: tools pinned to that account hear it; the others hear it when it is the
   * active account's (a switch only reaches tools that are not pinned).
   */
  const accountNotice = (
    reason: CredentialsChanged['reason'],
    creds: SessionCredentials | null,
    scope: CredentialsScope,
  ): BrokerNotice => ({
    method: 'credentials.changed',
    topic: 'credentials',
    paramsFor(client) {
      const pinned = pins.get(client.name);
      if (pinned !== undefined ? pinned !== scope.accountId || reason === 'switched' : !scope.active)
        return undefined;
      return paramsOf(reason, creds, scope.accountId, client);
    },
  });

  /** A change of the tools' access (`names`): each hears about the account it uses. */
  const accessNotice = (reason: CredentialsChanged['reason'], names: ReadonlySet<string>): BrokerNotice => ({
    method: 'credentials.changed',
    topic: 'credentials',
    paramsFor(client) {
      if (!names.has(client.name)) return undefined;
      const pinned = pins.get(client.name);
      return paramsOf(reason, session.currentCredentials(pinned), pinned ?? null, client);
    },
  });

  /**
   * Notices that end access go out after the current microtasks: a request whose check passed just before the
   * session ended (or the tool was revoked) is answered first, so on the wire no token ever follows the notice
   * (and every request checked after the change is refused).
   */
  const afterPendingAnswers = (send: () => void) => setImmediate(send);

  const stopSession = session.onCredentials((creds, reason: CredentialsReason, scope) => {
    // Restored at start: no tool is connected yet.
    if (reason === 'restored') return;
    if (reason === 'signedOut' || reason === 'expired') {
      hashed = null;
      afterPendingAnswers(() => notice(accountNotice(reason, null, scope)));
      // A signed-out account no longer pins anyone: those tools follow the active account again.
      if (reason === 'signedOut')
        for (const [name, id] of pins) if (id === scope.accountId) pins.delete(name);
    } else notice(accountNotice(reason, creds, scope));
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
        if (change.by === 'user' && change.decision === 'allowed') notice(accessNotice('approved', only));
        else if (change.by === 'user') afterPendingAnswers(() => notice(accessNotice('denied', only)));
        break;
      case 'revoked':
        // A tool on another machine is cut off at once: its connections close after the notice.
        afterPendingAnswers(() =>
          notice({
            ...accessNotice('revoked', only),
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

  /**
   * Not signed in: fail with the session's own error before asking for approval. A request that names an
   * account is asked about first: the session's answer to an unknown account lists the known ones, which is
   * for approved tools only.
   */
  const requireSignedIn = async (minTtl?: number, account?: string) => {
    if (account !== undefined) return;
    if (!session.currentCredentials()) await session.credentials(minTtl);
  };

  /** A tool that names an account is pinned to it; one that names none follows the active account again. */
  const pin = (name: string | undefined, account: string | undefined) => {
    if (name === undefined) return;
    if (account === undefined) pins.delete(name);
    else pins.set(name, session.resolve(account).id);
  };

  /** After any await: the tool must still be allowed and the account must still be signed in. */
  const stillServed = (name: string | undefined, ctx: CallContext, account?: string) => {
    if (name !== undefined) {
      if (gate.access(name) !== 'allowed') {
        throw new KeybridgeError(
          'access_denied_tool',
          `"${safeText(name)}" is not allowed to use your OpenAI session any more. Allow it under "Connected tools" in Keybridge.`,
        );
      }
    }
    if (!session.currentCredentials(account)) {
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
      const account = params?.account;
      if (name !== undefined && gate.recordedAccess(name) !== 'allowed') {
        await requireSignedIn(params?.minTtlSeconds, account);
        await gate.authorize(name, ctx.peer);
      }
      const creds = await session.credentials(params?.minTtlSeconds, account);
      stillServed(name, ctx, account);
      pin(name, account);
      if (params?.idToken) {
        // The id_token of the same grant as the access token just handed out (a refresh replaces both).
        const current = session.currentCredentials(account);
        if (current?.idToken && current.accessToken === creds.accessToken)
          return { ...creds, idToken: current.idToken };
      }
      return creds;
    },

    async 'credentials.invalidate'(params, ctx) {
      const name = toolOf(ctx);
      const account = params.account;
      await requireSignedIn(undefined, account);
      if (name !== undefined) await gate.authorize(name, ctx.peer);
      const current = session.currentCredentials(account);
      if (current && currentSha256(current.accessToken) === params.tokenSha256.toLowerCase()) {
        opts.log?.(
          `tools: ${name === undefined ? 'a caller' : `"${safeText(name)}"`} reports the current token as rejected; refreshing`,
        );
        await session.refresh(account);
      }
      const creds = await session.credentials(undefined, account);
      stillServed(name, ctx, account);
      pin(name, account);
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
