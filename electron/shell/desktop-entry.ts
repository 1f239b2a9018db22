/**
 * freedesktop.org Desktop Entry files (Desktop Entry Specification 1.5) for Linux: the URL-scheme handler
 * entry (`MimeType=x-scheme-handler/keybridge`, so `xdg-open keybridge://…` reaches the app, RFC 8252
 * §7.1) and the autostart entry (XDG Autostart). Pure text building, tested without a desktop.
 */
export const DESKTOP_FILE_NAME = 'keybridge.desktop';
export const SCHEME_MIME_TYPE = 'x-scheme-handler/keybridge';

/** Characters that force an Exec argument into double quotes ("Exec key" section of the spec). */
const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/**
 * One Exec argument. Inside double quotes `"`, `` ` ``, `$` and `\` take a backslash; `%` is doubled
 * because `%x` are field codes. (The string-value escaping of backslashes is applied to the whole line.)
 */
export function quoteExecArg(arg: string): string {
  if (/[\r\n]/.test(arg)) throw new Error('A desktop entry argument cannot contain a line break.');
  const s = arg.replace(/%/g, '%%');
  if (s !== '' && !RESERVED.test(s)) return s;
  return `"${s.replace(/["`$\\]/g, (m) => `\\${m}`)}"`;
}

/** The Exec value: quoted arguments plus an optional field code, then escaped as a string value. */
export function execLine(command: readonly string[], fieldCode?: '%u' | '%U'): string {
  const line = command.map(quoteExecArg).join(' ') + (fieldCode ? ` ${fieldCode}` : '');
  return line.replace(/\\/g, '\\\\');
}

/** A plain string value (Name, Comment): backslash, line breaks and tabs escaped. */
function stringValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
}

export interface DesktopEntryOptions {
  /** The command that starts the app: the AppImage, the installed binary, or electron + app path in development. */
  command: readonly string[];
  /** Icon name (themed) or absolute path. */
  icon?: string;
}

/** The menu entry that also handles `keybridge://` URLs (`%u`: the URL is passed as one argument). */
export function schemeHandlerEntry(opts: DesktopEntryOptions): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Keybridge',
    `Comment=${stringValue('Sign in with OpenAI once; local tools get fresh credentials')}`,
    `Exec=${execLine(opts.command, '%u')}`,
    `Icon=${stringValue(opts.icon ?? 'keybridge')}`,
    'Terminal=false',
    'Categories=Utility;',
    `MimeType=${SCHEME_MIME_TYPE};`,
    'StartupWMClass=keybridge',
    '',
  ].join('\n');
}

/** The XDG autostart entry ("Start at login" on Linux, where Electron's login items do nothing). */
export function autostartEntry(opts: DesktopEntryOptions): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Keybridge',
    `Comment=${stringValue('Keeps your OpenAI sign-in fresh for local tools')}`,
    `Exec=${execLine(opts.command)}`,
    `Icon=${stringValue(opts.icon ?? 'keybridge')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * The command that starts this app. An AppImage is started through its own file (`APPIMAGE`): the path
 * of the running binary is inside a mount that disappears when the app quits. In development Electron
 * needs the app folder after its own binary.
 */
export function launchCommand(opts: {
  execPath: string;
  appImage?: string;
  /** `process.defaultApp`: running as `electron <app path>`. */
  defaultApp: boolean;
  appPath: string;
}): string[] {
  if (opts.appImage) return [opts.appImage];
  return opts.defaultApp ? [opts.execPath, opts.appPath] : [opts.execPath];
}
