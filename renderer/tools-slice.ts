/**
 * The store's part for local tools (issue #5): the "Connected tools" list with any pending approval, and
 * sharing with Codex CLI. Mixed into the one store (store.ts). Nothing here holds a token: `tools.*` and
 * `codex.*` carry names, times, pids and a file path only.
 */
import type { CodexStatus, ToolInfo } from '../core/api/contract';
import { errorInfo, type UiBridge } from './bridge/types';

export interface ToolsError {
  code: string;
  message: string;
}

export interface ToolsSlice {
  tools: ToolInfo[];
  /** The tool whose Allow / Deny / Revoke is being sent. */
  toolBusy: string | null;
  toolsError: ToolsError | null;
  codex: CodexStatus | null;
  codexBusy: boolean;
  codexError: ToolsError | null;
  /** Codex CLI has a login of its own: the user must confirm replacing it (it is kept as a backup). */
  codexConfirmReplace: boolean;

  /** Follows the host's tool and Codex events; returns the unsubscribe. Loads both lists at once. */
  startTools(): () => void;
  loadTools(): Promise<void>;
  decideTool(name: string, allow: boolean): Promise<void>;
  revokeTool(name: string): Promise<void>;
  setCodexSharing(on: boolean): Promise<void>;
  confirmCodexReplace(): Promise<void>;
  cancelCodexReplace(): void;
}

type Set = (partial: Partial<ToolsSlice>) => void;
type Get = () => ToolsSlice & { connection: string };

export function createToolsSlice(bridge: UiBridge, set: Set, get: Get): ToolsSlice {
  async function toolAction(name: string, fn: () => Promise<ToolInfo[]>): Promise<void> {
    if (get().toolBusy) return;
    set({ toolBusy: name, toolsError: null });
    try {
      set({ tools: await fn() });
    } catch (e) {
      set({ toolsError: errorInfo(e) });
    } finally {
      set({ toolBusy: null });
    }
  }

  async function codexAction(fn: () => Promise<CodexStatus>): Promise<void> {
    if (get().codexBusy) return;
    set({ codexBusy: true, codexError: null });
    try {
      set({ codex: await fn(), codexConfirmReplace: false });
    } catch (e) {
      const error = errorInfo(e);
      // Not a failure to show: the next step is the user's confirmation.
      if (error.code === 'codex_login_exists') set({ codexConfirmReplace: true });
      else set({ codexError: error });
    } finally {
      set({ codexBusy: false });
    }
  }

  return {
    tools: [],
    toolBusy: null,
    toolsError: null,
    codex: null,
    codexBusy: false,
    codexError: null,
    codexConfirmReplace: false,

    startTools() {
      const offTools = bridge.onTools((tools) => set({ tools }));
      const offCodex = bridge.onCodex((codex) => set({ codex }));
      const offConnection = bridge.onConnection?.((connection) => {
        if (connection === 'open') void get().loadTools();
      });
      if (get().connection === 'open') void get().loadTools();
      return () => {
        offTools();
        offCodex();
        offConnection?.();
      };
    },

    async loadTools() {
      try {
        const [tools, codex] = await Promise.all([bridge.listTools(), bridge.codexStatus()]);
        set({ tools, codex });
      } catch (e) {
        if (get().connection === 'open') set({ toolsError: errorInfo(e) });
      }
    },

    decideTool: (name, allow) => toolAction(name, () => bridge.decideTool(name, allow)),
    revokeTool: (name) => toolAction(name, () => bridge.revokeTool(name)),

    setCodexSharing: (on) => codexAction(() => (on ? bridge.enableCodex() : bridge.disableCodex())),
    confirmCodexReplace: () => codexAction(() => bridge.enableCodex({ replaceExisting: true })),
    cancelCodexReplace() {
      set({ codexConfirmReplace: false });
    },
  };
}
