/**
 * The renderer's one way to reach the host: the Electron preload's `window.keybridge` when present,
 * otherwise the WebSocket client to the headless host that served this page.
 */
import type { Bridge } from '../../core/api/bridge';
import type { UiBridge } from './types';
import { takeUrlToken } from './url-token';
import { createWsBridge } from './ws-bridge';

declare global {
  interface Window {
    keybridge?: Bridge;
  }
}

let bridge: UiBridge | undefined;

export function getBridge(): UiBridge {
  if (bridge) return bridge;
  if (window.keybridge) {
    bridge = window.keybridge;
    return bridge;
  }
  const token = takeUrlToken(window.location, window.history);
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = createWsBridge({
    url: `${scheme}//${window.location.host}/ws`,
    token,
    sessionUrl: '/api/session',
    openWindow: (url) => {
      window.open(url, '_blank', 'noopener');
    },
  });
  // Opening a newer printed link in this tab changes only the fragment: the page does not reload.
  window.addEventListener('hashchange', () => {
    const next = takeUrlToken(window.location, window.history);
    if (next) ws.useToken(next);
  });
  bridge = ws;
  return bridge;
}

export type { UiBridge, ConnectionState } from './types';
export { BridgeError, errorInfo } from './types';
