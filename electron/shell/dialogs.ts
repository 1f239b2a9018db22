/**
 * The few native dialogs of the shell. Each says what happened and what the buttons do.
 */
import { dialog } from 'electron';

export type BasicTextAnswer = 'key-file' | 'accept' | 'quit';

/** Linux without a keyring: the user decides how the tokens are stored before anything is written. */
export async function askBasicText(): Promise<BasicTextAnswer> {
  const { response } = await dialog.showMessageBox({
    type: 'warning',
    title: 'Keybridge — no keyring found',
    message: 'No system keyring is available to protect your sign-in.',
    detail:
      'Keybridge normally keeps its encryption key in your desktop keyring (GNOME Keyring or KWallet), but none ' +
      'answered. Without one, any program running as you could read your tokens.\n\n' +
      '• Use a key file: a random key in its own file in the Keybridge data folder (recommended).\n' +
      '• Use the built-in key: Chromium’s fixed fallback key — encryption in name only.\n\n' +
      'To get full protection, install and unlock gnome-keyring or KWallet, reset this choice and start Keybridge again.',
    buttons: ['Use a key file', 'Use the built-in key', 'Quit'],
    defaultId: 0,
    cancelId: 2,
    noLink: true,
  });
  return response === 0 ? 'key-file' : response === 1 ? 'accept' : 'quit';
}

export async function confirmSignOut(email: string | null | undefined): Promise<boolean> {
  const { response } = await dialog.showMessageBox({
    type: 'question',
    title: 'Sign out of Keybridge',
    message: email ? `Sign out ${email}?` : 'Sign out?',
    detail:
      'Your tokens are revoked at OpenAI (when it can be reached) and deleted from this computer. ' +
      'Every connected tool loses access at once.',
    buttons: ['Sign out', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
  });
  return response === 0;
}

export async function showProblem(message: string, detail: string): Promise<void> {
  await dialog.showMessageBox({
    type: 'error',
    title: 'Keybridge',
    message,
    detail,
    buttons: ['OK'],
    noLink: true,
  });
}

/** Synchronous and safe before `ready`: for failures that end the app. */
export function showFatal(message: string, detail: string): void {
  dialog.showErrorBox(`Keybridge — ${message}`, detail);
}

/** Codex CLI has its own login where sharing would write: replace it only if the user says so. */
export async function confirmReplaceCodexLogin(path: string): Promise<boolean> {
  const { response } = await dialog.showMessageBox({
    type: 'question',
    title: 'Share with Codex CLI',
    message: 'Codex CLI already has its own login.',
    detail:
      `${path} holds a login Codex CLI made itself. Replace it with this Keybridge session? ` +
      'Keybridge keeps the current file as a backup and puts it back when you turn sharing off.',
    buttons: ['Replace and share', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
  });
  return response === 0;
}
