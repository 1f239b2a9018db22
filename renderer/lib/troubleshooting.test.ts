import { describe, expect, it } from 'vitest';
import { portFromMessage, troubleshoot } from './troubleshooting';

describe('troubleshoot', () => {
  it('names the busy port and who may hold it', () => {
    const t = troubleshoot({ code: 'port_in_use', message: 'Port 1455 is in use by another program.' });
    expect(t.headline).toBe('Port 1455 is already in use');
    expect(t.nextStep).toMatch(/Codex CLI/);
  });
  it('still explains a busy port whose number is not in the message', () => {
    expect(troubleshoot({ code: 'port_in_use', message: 'busy' }).headline).toBe(
      'The sign-in port is already in use',
    );
  });
  it('sends a workspace without Codex to its plan or workspace', () => {
    const t = troubleshoot({ code: 'missing_codex_entitlement', message: '' });
    expect(t.headline).toMatch(/Codex/);
    expect(t.nextStep).toMatch(/plan/);
    expect(t.nextStep).toMatch(/workspace/);
  });
  it('points a timed-out sign-in at Copy link and Paste redirect URL', () => {
    const t = troubleshoot({ code: 'sign_in_timeout', message: '' });
    expect(t.nextStep).toMatch(/Copy link/);
    expect(t.nextStep).toMatch(/Paste redirect URL/);
  });
  it('asks for a new sign-in, without retrying, when the refresh token is gone', () => {
    const t = troubleshoot({ code: 'relogin_required', message: '' });
    expect(t.headline).toMatch(/sign in again/);
    expect(t.nextStep).toMatch(/not retry/);
  });
  it('keeps the session when offline', () => {
    const t = troubleshoot({ code: 'network', message: '' });
    expect(t.headline).toMatch(/offline/);
    expect(t.nextStep).toMatch(/session is kept/);
    expect(t.nextStep).toMatch(/retries/);
  });
  it('explains access denied and an unreadable vault', () => {
    expect(troubleshoot({ code: 'access_denied', message: '' }).headline).toBe('Access was not granted');
    expect(troubleshoot({ code: 'vault_unreadable', message: '' }).nextStep).toMatch(/moved aside/);
  });
  it('falls back to a generic message for codes it does not know', () => {
    const t = troubleshoot({ code: 'brand_new_code', message: 'x' });
    expect(t.headline).toBe('Something went wrong');
    expect(troubleshoot({ code: 'toString', message: '' }).headline).toBe('Something went wrong');
  });
});

describe('portFromMessage', () => {
  it('reads "port N" and "host:N"', () => {
    expect(portFromMessage('Port 1457 is busy')).toBe(1457);
    expect(portFromMessage('listen EADDRINUSE 127.0.0.1:1455')).toBe(1455);
    expect(portFromMessage('nothing here')).toBeNull();
  });
});
