/**
 * The ChatGPT backend's usage limits (docs/design.md "Provider profile"): `GET {base}/wham/usage` answers
 * `{email, plan_type, rate_limit:{primary_window:{used_percent, limit_window_seconds, reset_after_seconds,
 * reset_at}, secondary_window:{…}}}` — the primary window is the 5-hour one, the secondary the weekly one.
 *
 * Lenient like the model list: unknown fields are ignored, a window that is missing or malformed is simply
 * not reported, and a body without `rate_limit` is an answer with no windows, not an error.
 */
import { z } from 'zod';
import type { UsageWindow } from '../api/contract';

const Num = z.number().nullish().catch(undefined);

const ServerWindow = z.looseObject({
  used_percent: z.number(),
  limit_window_seconds: Num,
  reset_after_seconds: Num,
  /** Unix time in seconds (Codex's backend); milliseconds and RFC 3339 strings are accepted too. */
  reset_at: z.union([z.number(), z.string()]).nullish().catch(undefined),
});

export const ServerUsage = z.looseObject({
  email: z.string().nullish().catch(undefined),
  plan_type: z.string().nullish().catch(undefined),
  rate_limit: z
    .looseObject({
      primary_window: z.unknown().optional(),
      secondary_window: z.unknown().optional(),
      limit_reached: z.boolean().nullish().catch(undefined),
    })
    .nullish()
    .catch(undefined),
});

export interface ParsedUsage {
  primary?: UsageWindow;
  secondary?: UsageWindow;
  planType?: string;
  /** `rate_limit.limit_reached`: the server says this account cannot be used now. */
  limitReached?: boolean;
}

export class UsageResponseError extends Error {
  override readonly name = 'UsageResponseError';
}

/** Below this a number can only be seconds since 1970 (it is year 5138 in seconds, 1973 in milliseconds). */
const SECONDS_LIMIT = 1e11;

function resetTime(w: z.infer<typeof ServerWindow>, now: number): string | undefined {
  const at = w.reset_at;
  if (typeof at === 'number' && Number.isFinite(at) && at > 0) {
    return new Date(at < SECONDS_LIMIT ? at * 1000 : at).toISOString();
  }
  if (typeof at === 'string') {
    const t = Date.parse(at);
    if (!Number.isNaN(t)) return new Date(t).toISOString();
  }
  const after = w.reset_after_seconds;
  if (typeof after === 'number' && after >= 0) return new Date(now + after * 1000).toISOString();
  return undefined;
}

function toWindow(raw: unknown, now: number): UsageWindow | undefined {
  const parsed = ServerWindow.safeParse(raw);
  if (!parsed.success) return undefined;
  const w = parsed.data;
  const window: UsageWindow = { usedPercent: Math.min(100, Math.max(0, w.used_percent)) };
  if (typeof w.limit_window_seconds === 'number' && w.limit_window_seconds > 0) {
    window.windowSeconds = w.limit_window_seconds;
  }
  const resetsAt = resetTime(w, now);
  if (resetsAt) window.resetsAt = resetsAt;
  return window;
}

/** The windows of a parsed JSON body. Throws UsageResponseError only when the body is not an object. */
export function parseUsage(body: unknown, now: number = Date.now()): ParsedUsage {
  const parsed = ServerUsage.safeParse(body);
  if (!parsed.success) throw new UsageResponseError('The usage answer is not a JSON object.');
  const out: ParsedUsage = {};
  const limits = parsed.data.rate_limit;
  const primary = limits ? toWindow(limits.primary_window, now) : undefined;
  const secondary = limits ? toWindow(limits.secondary_window, now) : undefined;
  if (primary) out.primary = primary;
  if (secondary) out.secondary = secondary;
  if (parsed.data.plan_type) out.planType = parsed.data.plan_type;
  if (limits?.limit_reached === true) out.limitReached = true;
  return out;
}
