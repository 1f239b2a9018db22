/**
 * Who may open the WebSocket.
 *
 * How "one-time" works: `keybridge serve --ui` prints a link whose fragment holds a random token (32 bytes,
 * base64url; the fragment never reaches the server in the page request, nor the Referer). The page reads it,
 * removes it from the address bar and presents it once, in the WebSocket upgrade (`/ws?token=…`). The
 * server swaps it for a session: the 101 answer sets an HttpOnly, SameSite=Strict cookie, and the token is
 * spent — presenting it again is refused (401). Reloads and reconnects of that browser use the cookie.
 * Sessions live in memory: a restarted host knows none of them, and its new link must be opened.
 *
 * Only hashes are kept, and every comparison is constant-time (crypto.timingSafeEqual over SHA-256
 * digests, which are always the same length).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const MAX_SESSIONS = 32;

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Finds `candidate` among `digests` without an early exit that would time the match. */
function findDigest(digests: Iterable<Buffer>, candidate: string): Buffer | undefined {
  const d = digest(candidate);
  let found: Buffer | undefined;
  for (const known of digests) if (timingSafeEqual(known, d)) found = known;
  return found;
}

export class WebAuth {
  /** Unspent link tokens. */
  private readonly linkTokens = new Set<Buffer>();
  /** Live sessions, oldest first. */
  private readonly sessions = new Set<Buffer>();

  /** `port` is read when a cookie is named: the server knows it only once it listens. */
  constructor(private readonly port: () => number) {}

  /** Cookies ignore ports: a per-port name keeps two hosts (two data folders) from overwriting each other. */
  get cookieName(): string {
    return `kb_session_${this.port()}`;
  }

  /** A new one-time link token. */
  issueLinkToken(): string {
    const token = newSecret();
    this.linkTokens.add(digest(token));
    return token;
  }

  /** Spends a link token; returns the new session's cookie value, or null when the token is unknown or spent. */
  exchange(token: string | null | undefined): string | null {
    if (!token || token.length > 256) return null;
    const found = findDigest(this.linkTokens, token);
    if (!found) return null;
    this.linkTokens.delete(found);
    const session = newSecret();
    this.sessions.add(digest(session));
    while (this.sessions.size > MAX_SESSIONS) {
      const oldest = this.sessions.values().next().value;
      if (oldest) this.sessions.delete(oldest);
    }
    return session;
  }

  /** True when the Cookie header carries a live session of this server. */
  hasSession(cookieHeader: string | undefined): boolean {
    const value = readCookie(cookieHeader, this.cookieName);
    if (!value || value.length > 256) return false;
    return findDigest(this.sessions, value) !== undefined;
  }

  setCookie(session: string): string {
    return `${this.cookieName}=${session}; Path=/; HttpOnly; SameSite=Strict`;
  }
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
