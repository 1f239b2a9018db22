/**
 * The short sentence the polite live region reads when the state changes, and the header's state pill.
 * Pure, so the wording is tested once.
 */
import type { Status } from '../../core/api/contract';
import type { ConnectionState } from '../bridge/types';
import { planLabel } from './plan';

export function assertNever(value: never): never {
  throw new Error(`Unhandled state: ${String(value)}`);
}

export function announce(status: Status | null, connection: ConnectionState): string {
  if (connection === 'reconnecting') return 'Reconnecting to Keybridge…';
  if (connection === 'unauthorized') return 'This page’s link is no longer valid.';
  if (!status) return 'Connecting to Keybridge…';
  const state = status.state;
  switch (state) {
    case 'signedOut':
      return status.lastError ? `Signed out. ${status.lastError.message}` : 'Signed out.';
    case 'signingIn':
      return 'Waiting for the browser to finish signing in.';
    case 'signedIn': {
      const who = status.account?.email ?? 'your account';
      const plan = planLabel(status.account?.planType);
      return `Signed in as ${who}${plan ? `, ${plan} plan` : ''}.`;
    }
    case 'refreshing':
      return 'Refreshing the session.';
    case 'expired':
      return 'Your session ended. Sign in again.';
    case 'error':
      return `Something needs attention. ${status.lastError?.message ?? ''}`.trim();
    default:
      return assertNever(state);
  }
}

export type Pill = { label: string; tone: 'ok' | 'busy' | 'idle' | 'warn' };

export function statePill(status: Status | null): Pill | null {
  if (!status) return null;
  const state = status.state;
  switch (state) {
    case 'signedIn':
      return status.lastError
        ? { label: 'Needs attention', tone: 'warn' }
        : { label: 'Connected', tone: 'ok' };
    case 'refreshing':
      return { label: 'Refreshing', tone: 'busy' };
    case 'signingIn':
      return { label: 'Signing in', tone: 'busy' };
    case 'signedOut':
      return { label: 'Signed out', tone: 'idle' };
    case 'expired':
    case 'error':
      return { label: 'Needs attention', tone: 'warn' };
    default:
      return assertNever(state);
  }
}
