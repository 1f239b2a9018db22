/**
 * The window's webPreferences against the Electron security checklist (docs/security-review.md). A change
 * here is a change to the app's security posture: the exact set of keys is pinned so a new preference is
 * reviewed, not slipped in.
 */
import { describe, expect, it } from 'vitest';
import { appWebPreferences } from './web-preferences';

describe('appWebPreferences', () => {
  const prefs = appWebPreferences('/app/dist/electron/preload.cjs');

  it('isolates and sandboxes the page, with no Node anywhere in it', () => {
    expect(prefs).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true, // checklist 3
      sandbox: true, // 4
      nodeIntegration: false, // 2
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
    });
  });

  it('keeps web security on and every opt-in feature off', () => {
    expect(prefs).toMatchObject({
      webSecurity: true, // 6
      allowRunningInsecureContent: false, // 8
      experimentalFeatures: false, // 9
      webviewTag: false, // 11, 12
      navigateOnDragDrop: false, // 13: a dropped file or link does not navigate the window
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures'); // 10
    expect(prefs).not.toHaveProperty('additionalArguments');
  });

  it('sets exactly the reviewed keys', () => {
    expect(Object.keys(prefs).sort()).toEqual(
      [
        'allowRunningInsecureContent',
        'contextIsolation',
        'experimentalFeatures',
        'navigateOnDragDrop',
        'nodeIntegration',
        'nodeIntegrationInSubFrames',
        'nodeIntegrationInWorker',
        'preload',
        'safeDialogs',
        'sandbox',
        'spellcheck',
        'webSecurity',
        'webviewTag',
      ].sort(),
    );
  });
});
