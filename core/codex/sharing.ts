/**
 * Sharing the session with Codex CLI (docs/design.md "Codex sharing"): while enabled, `$CODEX_HOME/auth.json`
 * holds the active account's current access token and id_token (never the refresh token), rewritten after
 * every refresh and every switch of the active account (docs/accounts.md), and removed on sign-out or disable.
 *
 * A login Codex made itself is never silently overwritten. Keybridge knows its own file by the SHA-256 of
 * what it last wrote (kept in the data folder, `codex.json`); any other file at that path is Codex's own.
 * Enabling over it needs an explicit `replaceExisting`, and then the file is first copied to
 * `auth.json.keybridge-backup-<time>` and restored on disable. Should Codex sign in on its own while
 * sharing is on, Keybridge stops writing and says so instead of replacing that login.
 *
 * Every file operation runs one at a time, in order, so a refresh landing during disable cannot resurrect
 * the file.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CodexStatus, ErrorInfo } from '../api/contract';
import { asKeybridgeError, KeybridgeError } from '../errors';
import type {
  CredentialsListener,
  CredentialsReason,
  CredentialsScope,
  SessionCredentials,
} from '../session/session';
import { writeFileAtomic } from '../vault/atomic-write';
import { ensurePrivateDir } from '../vault/private-dir';
import { authFilePath, codexAuthJson, readAuthFile, removeFile, sha256Hex, writeAuthFile } from './auth-file';
import { tellEach } from '../listeners';

export const CODEX_STATE_FILE = 'codex.json';

const State = z.object({
  version: z.literal(1),
  enabled: z.boolean(),
  /** The auth.json path Keybridge writes (CODEX_HOME may change between runs). */
  path: z.string().optional(),
  /** SHA-256 of the bytes Keybridge last wrote there: how it tells its own file from Codex's. */
  writtenSha256: z.string().optional(),
  lastWrittenAt: z.string().optional(),
  /** Codex CLI's own login, moved aside when sharing replaced it. */
  backupPath: z.string().optional(),
});
type State = z.infer<typeof State>;

export interface CodexCredentialSource {
  /** The active account's credentials. */
  currentCredentials(): SessionCredentials | null;
  onCredentials(listener: CredentialsListener): () => void;
}

export interface CodexSharingOptions {
  /** Keybridge's data folder (for codex.json). */
  dataDir: string;
  /** Codex CLI's folder (CODEX_HOME, default ~/.codex). */
  codexHome: string;
  session: CodexCredentialSource;
  log?: (line: string) => void;
  now?: () => number;
}

export class CodexSharing {
  private state: State = { version: 1, enabled: false };
  private problem: ErrorInfo | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(status: CodexStatus) => void>();
  private readonly statePath: string;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private stopCredentials: (() => void) | undefined;

  constructor(private readonly opts: CodexSharingOptions) {
    this.statePath = join(opts.dataDir, CODEX_STATE_FILE);
    this.log = opts.log ?? (() => {});
    this.now = opts.now ?? Date.now;
  }

  /** The auth.json path in use now. */
  get path(): string {
    return authFilePath(this.opts.codexHome);
  }

  /**
   * Reads the saved setting, brings the file in line with the session (written when signed in, removed when
   * not, e.g. after a crash), and from then on follows every change of the session's tokens.
   */
  async start(): Promise<void> {
    try {
      const parsed = State.safeParse(JSON.parse(await readFile(this.statePath, 'utf8')));
      if (parsed.success) this.state = parsed.data;
      else this.log(`codex: ${CODEX_STATE_FILE} is not valid; sharing starts off`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log(`codex: cannot read ${CODEX_STATE_FILE}: ${asKeybridgeError(e).message}`);
    }
    this.stopCredentials = this.opts.session.onCredentials((creds, reason, scope) =>
      this.onCredentials(creds, reason, scope),
    );
    if (this.state.enabled) {
      await this.run(async () => {
        // CODEX_HOME moved since the last run: take Keybridge's file away from the old place.
        if (this.state.path && this.state.path !== this.path) {
          await this.removeOurs(this.state.path);
          this.state.path = this.path;
        }
        await this.sync(this.opts.session.currentCredentials());
      }).catch((e: unknown) => this.log(`codex: ${asKeybridgeError(e).message}`));
    }
  }

  async status(): Promise<CodexStatus> {
    const path = this.path;
    let file: CodexStatus['file'];
    try {
      const current = await readAuthFile(path);
      file = !current ? 'missing' : current.sha256 === this.state.writtenSha256 ? 'ours' : 'foreign';
    } catch {
      file = 'foreign';
    }
    return {
      enabled: this.state.enabled,
      path,
      file,
      ...(this.state.lastWrittenAt && file === 'ours' ? { lastWrittenAt: this.state.lastWrittenAt } : {}),
      ...(this.state.backupPath ? { backupPath: this.state.backupPath } : {}),
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  /**
   * Turns sharing on and writes the file now when signed in. Throws `codex_login_exists` when Codex CLI has
   * a login of its own there and `replaceExisting` is not set.
   */
  enable(opts: { replaceExisting?: boolean } = {}): Promise<CodexStatus> {
    return this.run(async () => {
      const path = this.path;
      const current = await readAuthFile(path);
      if (current && current.sha256 !== this.state.writtenSha256) {
        if (!opts.replaceExisting) {
          throw new KeybridgeError(
            'codex_login_exists',
            `Codex CLI already has its own login in ${path}. Keybridge will not overwrite it without asking: confirm to replace it (it is kept as a backup and restored when you turn sharing off), e.g. \`keybridge codex enable --replace-existing\`.`,
          );
        }
        const backupPath = `${path}.keybridge-backup-${stamp(this.now())}`;
        await writeFileAtomic(backupPath, current.bytes, 0o600);
        this.state.backupPath = backupPath;
        // Kept safe in the backup; the user chose to replace it.
        await removeFile(path);
        this.log(`codex: kept Codex CLI's own login as ${backupPath}`);
      }
      this.state.enabled = true;
      this.state.path = path;
      this.problem = undefined;
      await this.saveState();
      this.log('codex: sharing on');
      await this.sync(this.opts.session.currentCredentials());
      return this.changed();
    });
  }

  /** Turns sharing off: removes Keybridge's file and puts Codex CLI's own login back when one was kept. */
  disable(): Promise<CodexStatus> {
    return this.run(async () => {
      const path = this.state.path ?? this.path;
      await this.removeOurs(path);
      const backup = this.state.backupPath;
      if (backup) {
        const there = await readAuthFile(path);
        if (there) {
          this.problem = {
            code: 'codex_login_exists',
            message: `Codex CLI signed in again meanwhile, so its earlier login stays in ${backup}.`,
          };
        } else {
          try {
            await rename(backup, path);
            this.log(`codex: restored Codex CLI's own login from ${backup}`);
            this.state.backupPath = undefined;
            this.problem = undefined;
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT') this.state.backupPath = undefined;
            else throw e;
          }
        }
      } else {
        this.problem = undefined;
      }
      this.state.enabled = false;
      this.state.writtenSha256 = undefined;
      this.state.lastWrittenAt = undefined;
      await this.saveState();
      this.log('codex: sharing off');
      return this.changed();
    });
  }

  onChange(listener: (status: CodexStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits for pending file operations and stops following the session. */
  async close(): Promise<void> {
    this.stopCredentials?.();
    await this.chain.catch(() => undefined);
    this.listeners.clear();
  }

  private onCredentials(
    creds: SessionCredentials | null,
    reason: CredentialsReason,
    scope: CredentialsScope,
  ): void {
    // Codex CLI has one login: the active account's. Another account's refresh or sign-out is not its business.
    if (!this.state.enabled || reason === 'restored' || !scope.active) return;
    void this.run(async () => {
      await this.sync(creds);
      await this.changed();
    }).catch((e: unknown) => this.log(`codex: ${asKeybridgeError(e).message}`));
  }

  /** Writes the file for `creds`, or removes Keybridge's file when there are none. */
  private async sync(creds: SessionCredentials | null): Promise<void> {
    if (!this.state.enabled) return;
    const path = this.state.path ?? this.path;
    if (!creds) {
      await this.removeOurs(path);
      return;
    }
    const current = await readAuthFile(path);
    if (current && current.sha256 !== this.state.writtenSha256) {
      // Codex signed in on its own while sharing was on: its login is not ours to replace.
      this.problem = {
        code: 'codex_login_exists',
        message: `Codex CLI signed in on its own, so Keybridge stopped updating ${path}. Turn sharing off and on again to replace that login (it is kept as a backup).`,
      };
      this.log('codex: auth.json changed outside Keybridge; not overwriting it');
      return;
    }
    const text = codexAuthJson({
      idToken: creds.idToken ?? '',
      accessToken: creds.accessToken,
      accountId: creds.accountId,
      obtainedAt: creds.obtainedAt,
    });
    try {
      await writeAuthFile(path, text);
    } catch (e) {
      this.problem = {
        code: 'codex_write_failed',
        message: `Could not write ${path}: ${asKeybridgeError(e).message}`,
      };
      throw new KeybridgeError('codex_write_failed', this.problem.message, { cause: e });
    }
    this.state.writtenSha256 = sha256Hex(text);
    this.state.lastWrittenAt = new Date(this.now()).toISOString();
    this.problem = undefined;
    await this.saveState();
  }

  private async removeOurs(path: string): Promise<void> {
    const current = await readAuthFile(path);
    if (current && current.sha256 === this.state.writtenSha256) {
      await removeFile(path);
      this.log(`codex: removed ${path}`);
    }
    this.state.writtenSha256 = undefined;
    this.state.lastWrittenAt = undefined;
    await this.saveState();
  }

  private async saveState(): Promise<void> {
    await ensurePrivateDir(this.opts.dataDir);
    await writeFileAtomic(this.statePath, JSON.stringify(this.state, null, 2) + '\n', 0o600);
  }

  private async changed(): Promise<CodexStatus> {
    const status = await this.status();
    tellEach(this.listeners, (l) => l(status), this.log, 'codex');
    return status;
  }

  /** Runs `work` after every operation queued before it. */
  private run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** A file-name-safe UTC time with milliseconds: 20250102T030405.678Z. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}
