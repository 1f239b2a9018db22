/** The desktop's pieces for local tools, without Electron: the tray's Codex entry and the approval notification. */
import { describe, expect, it } from 'vitest';
import type { Status } from '../../core/api/contract';
import { sampleTools } from '../../test/support/tool-fixtures';
import { eventNotification } from '../../headless/web/rpc';
import { approvalsToAnnounce, notificationBody } from './approval-text';
import { eventForRenderer } from './ipc-dispatch';
import { trayMenuModel } from './tray-menu';

const signedIn: Status = {
  state: 'signedIn',
  storage: { kind: 'safe-storage', protected: true, description: 'Keychain' },
  account: { email: 'ada@example.com', planType: 'plus', accountId: 'acc-1' },
};

describe('the tray menu', () => {
  const codexEntry = (opts: { codexSharing?: boolean; busy?: boolean }) =>
    trayMenuModel(signedIn, { openAtLogin: false, loginItemSupported: true, ...opts }).find(
      (i) => i.kind === 'checkbox' && i.action === 'toggleCodexSharing',
    );

  it('has a "Share with Codex CLI" checkbox that shows whether sharing is on', () => {
    expect(codexEntry({ codexSharing: true })).toEqual({
      kind: 'checkbox',
      action: 'toggleCodexSharing',
      label: 'Share with Codex CLI',
      checked: true,
      enabled: true,
    });
    expect(codexEntry({ codexSharing: false })).toMatchObject({ checked: false });
    expect(codexEntry({ codexSharing: false, busy: true })).toMatchObject({ enabled: false });
  });

  it('leaves the entry out until the host has said whether sharing is on', () => {
    expect(codexEntry({})).toBeUndefined();
  });
});

describe('tool events on their way to a window', () => {
  it('carry only what the contract names: a smuggled token is dropped, a wrong shape is not sent', () => {
    const clean = sampleTools();
    const tools = clean.map((t) => ({
      ...t,
      accessToken: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
    }));
    for (const out of [
      eventForRenderer('tools.changed', { tools })?.payload,
      eventNotification('tools.changed', { tools })?.params,
    ]) {
      expect(out).toEqual({ tools: clean });
      expect(JSON.stringify(out)).not.toContain('eyJ');
    }
    expect(eventForRenderer('codex.changed', { enabled: 'yes' })).toBeUndefined();
    expect(eventNotification('codex.changed', { enabled: 'yes' })).toBeNull();
  });
});

describe('the approval notification', () => {
  it('announces each newly pending tool once and withdraws it when answered', () => {
    const tools = sampleTools();
    const first = approvalsToAnnounce(new Set(), tools);
    expect(first.added.map((t) => t.name)).toEqual(['my-agent']);
    expect(first.gone).toEqual([]);
    expect(approvalsToAnnounce(new Set(['my-agent']), tools)).toEqual({ added: [], gone: [] });
    const answered = tools.map((t) => ({ ...t, pending: false }));
    expect(approvalsToAnnounce(new Set(['my-agent']), answered)).toEqual({ added: [], gone: ['my-agent'] });
  });

  it('names the process the OS told, and marks one the tool only reported', () => {
    expect(notificationBody({ pid: 4242, pidVerified: true, executable: '/usr/bin/python3' })).toMatch(
      /^Process 4242 \(\/usr\/bin\/python3\) asks for your OpenAI access token/,
    );
    expect(notificationBody({ pid: 4242, pidVerified: false })).toMatch(
      /says it is process 4242 \(not verified\)/,
    );
    expect(notificationBody({})).toMatch(/^A program asks/);
  });
});
