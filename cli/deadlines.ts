/**
 * How long the CLI waits for each call (second security review: no command may hang for ever). Plain calls
 * get DEFAULT_CALL_TIMEOUT_MS (30 s) or `KEYBRIDGE_TIMEOUT` seconds; calls that wait for a person get
 * longer: a sign-in waits for the browser (the host gives up after 5 minutes), a first credentials request
 * may wait for the user to answer the approval prompt (2 minutes on the host).
 */
import { APPROVAL_WAIT_MS, DEFAULT_CALL_TIMEOUT_MS } from '../core/broker/client';
import type { Env } from '../core/paths';
import { UsageError } from './args';

/** Calls that wait for the user, and how long the CLI waits for them at least. */
const WAITING_CALL_MS: Readonly<Record<string, number>> = {
  'auth.wait': 10 * 60_000,
  'credentials.get': APPROVAL_WAIT_MS,
  'credentials.invalidate': APPROVAL_WAIT_MS,
  'codex.enable': APPROVAL_WAIT_MS,
};

/** The deadline of plain calls: `KEYBRIDGE_TIMEOUT` (whole seconds, 1–86400) or 30 s. */
export function plainDeadlineMs(env: Env): number {
  const value = env.KEYBRIDGE_TIMEOUT;
  if (value === undefined || value === '') return DEFAULT_CALL_TIMEOUT_MS;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 86_400))
    throw new UsageError('KEYBRIDGE_TIMEOUT must be a whole number of seconds from 1 to 86400.');
  return n * 1000;
}

/** The deadline of one call, given the plain calls' deadline (plainDeadlineMs). */
export function deadlineFor(method: string, plainMs: number): number {
  return Math.max(plainMs, WAITING_CALL_MS[method] ?? 0);
}
