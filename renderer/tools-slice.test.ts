/**
 * The store's tools part against an in-test Bridge: the list follows the host's events, Allow / Revoke
 * replace it with the host's answer, and Codex sharing asks for a confirmation before replacing a login
 * Codex made itself.
 */
import { describe, expect, it } from 'vitest';
import type { CodexStatus, Status, ToolInfo } from '../core/api/contract';
import { sampleModelList, sampleUsage, accountBridgeStubs } from '../test/support/account-fixtures';
import { sampleCodexStatus, sampleTools } from '../test/support/tool-fixtures';
import { BridgeError, type UiBridge } from './bridge/types';
import { createKbStore } from './store';

const status: Status = {
  state: 'signedIn',
  storage: { kind: 'os-keyring', protected: true, description: 'System keyring' },
  account: { email: 'ada@example.com', planType: 'plus', accountId: 'acc-1' },
};

function fakeBridge() {
  const calls: string[] = [];
  const tools = new Set<(t: ToolInfo[]) => void>();
  const codex = new Set<(c: CodexStatus) => void>();
  let codexFile: CodexStatus['file'] = 'foreign';
  const bridge: UiBridge = {
    getStatus: async () => status,
    login: async () => ({ url: 'https://x/authorize', redirectUri: 'http://localhost:1455/auth/callback' }),
    cancelSignIn: async () => ({ cancelled: true }),
    openRedirectUrl: async () => status,
    logout: async () => ({ revoked: true, signedOut: ['acc'] }),
    listModels: async () => sampleModelList(),
    selectModel: async () => sampleModelList(),
    getUsage: async () => sampleUsage(),
    openExternal: async () => {},
    onStatus: () => () => {},
    ...accountBridgeStubs(() => status),
    listTools: async () => {
      calls.push('listTools');
      return sampleTools();
    },
    decideTool: async (name, allow) => {
      calls.push(`decide:${name}:${allow}`);
      return sampleTools().map((t) =>
        t.name === name ? { ...t, pending: false, decision: allow ? 'allowed' : 'denied' } : t,
      );
    },
    revokeTool: async (name) => {
      calls.push(`revoke:${name}`);
      return sampleTools().map((t) => (t.name === name ? { ...t, decision: 'denied' } : t));
    },
    onTools: (l) => {
      tools.add(l);
      return () => tools.delete(l);
    },
    codexStatus: async () => ({ ...sampleCodexStatus(), file: codexFile }),
    enableCodex: async (opts) => {
      calls.push(`enableCodex:${opts?.replaceExisting === true}`);
      if (codexFile === 'foreign' && !opts?.replaceExisting) {
        throw new BridgeError(
          'codex_login_exists',
          'Codex CLI already has its own login in /home/ada/.codex/auth.json.',
        );
      }
      codexFile = 'ours';
      return { ...sampleCodexStatus(true), backupPath: '/home/ada/.codex/auth.json.keybridge-backup-x' };
    },
    disableCodex: async () => {
      calls.push('disableCodex');
      throw new BridgeError('codex_write_failed', 'Could not write /home/ada/.codex/auth.json.');
    },
    onCodex: (l) => {
      codex.add(l);
      return () => codex.delete(l);
    },
  };
  return {
    bridge,
    calls,
    pushTools: (t: ToolInfo[]) => tools.forEach((l) => l(t)),
    pushCodex: (c: CodexStatus) => codex.forEach((l) => l(c)),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('tools in the store', () => {
  it('loads the list and Codex status on start and follows their events', async () => {
    const f = fakeBridge();
    const store = createKbStore(f.bridge);
    const stop = store.getState().start();
    await tick();
    expect(store.getState().tools.map((t) => t.name)).toEqual(['my-agent', 'keybridge-cli']);
    expect(store.getState().codex?.file).toBe('foreign');
    f.pushTools([]);
    expect(store.getState().tools).toEqual([]);
    f.pushCodex(sampleCodexStatus(true));
    expect(store.getState().codex?.enabled).toBe(true);
    stop();
    f.pushTools(sampleTools());
    expect(store.getState().tools).toEqual([]);
  });

  it('Allow and Revoke send the user’s answer and show the host’s list', async () => {
    const f = fakeBridge();
    const store = createKbStore(f.bridge);
    await store.getState().decideTool('my-agent', true);
    expect(store.getState().tools.find((t) => t.name === 'my-agent')).toMatchObject({
      pending: false,
      decision: 'allowed',
    });
    await store.getState().revokeTool('keybridge-cli');
    expect(store.getState().tools.find((t) => t.name === 'keybridge-cli')?.decision).toBe('denied');
    expect(f.calls).toEqual(['decide:my-agent:true', 'revoke:keybridge-cli']);
    expect(store.getState().toolBusy).toBeNull();
  });

  it('asks before replacing Codex’s own login, and only replaces it when confirmed', async () => {
    const f = fakeBridge();
    const store = createKbStore(f.bridge);
    await store.getState().setCodexSharing(true);
    expect(store.getState().codexConfirmReplace).toBe(true);
    expect(store.getState().codexError).toBeNull();
    store.getState().cancelCodexReplace();
    expect(store.getState().codexConfirmReplace).toBe(false);
    await store.getState().setCodexSharing(true);
    await store.getState().confirmCodexReplace();
    expect(store.getState()).toMatchObject({
      codexConfirmReplace: false,
      codex: { enabled: true, file: 'ours' },
    });
    expect(f.calls).toEqual(['enableCodex:false', 'enableCodex:false', 'enableCodex:true']);
    // Any other failure is shown as such.
    await store.getState().setCodexSharing(false);
    expect(store.getState().codexError).toMatchObject({ code: 'codex_write_failed' });
  });
});
