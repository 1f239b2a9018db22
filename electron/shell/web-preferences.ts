/**
 * The app window's webPreferences, in one place so a unit test can hold them to the Electron security
 * checklist (docs/security-review.md): context isolation (3), sandbox (4), no Node in the page or its
 * workers and frames (2), web security on (6), no insecure content (8), no experimental or Blink features
 * (9, 10), no <webview> (11, 12). The preload is the only bridge, and it exposes only the Bridge (20).
 */
import type { WebPreferences } from 'electron';

export function appWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}
