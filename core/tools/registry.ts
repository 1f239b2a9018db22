/**
 * The user's decisions about local tools, remembered in the data folder (`tools.json`, 0600): per client
 * name, allowed or denied, when and by whom, and when the tool last got credentials.
 *
 * A decision takes effect at once and is written right away (`decide` resolves once it is on disk: a
 * revocation the host forgot on restart would hand tokens out again). "Last used" changes on every request,
 * so it is written at most once a second. Writes are atomic (a kill leaves the old file or the new one) and run one
 * at a time.
 */
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { asKeybridgeError } from '../errors';
import { toolNameProblem } from '../text/tool-name';
import { writeFileAtomic } from '../vault/atomic-write';
import { ensurePrivateDir } from '../vault/private-dir';

export const TOOLS_FILE = 'tools.json';

const ToolRecord = z.object({
  decision: z.enum(['allowed', 'denied']),
  decidedAt: z.string(),
  decidedBy: z.enum(['user', 'policy']),
  lastUsedAt: z.string().optional(),
  lastPid: z.number().int().optional(),
  lastPidVerified: z.boolean().optional(),
  lastExecutable: z.string().optional(),
});
export type ToolRecord = z.infer<typeof ToolRecord>;

const ToolsFile = z.object({ version: z.literal(1), tools: z.record(z.string(), ToolRecord) });

const USE_WRITE_DELAY_MS = 1000;

export class ToolRegistry {
  private readonly records = new Map<string, ToolRecord>();
  private chain: Promise<void> = Promise.resolve();
  /** A write queued behind the running one: later changes join it instead of queueing their own. */
  private queued: Promise<void> | null = null;
  private useTimer: NodeJS.Timeout | null = null;
  private dirty = false;

  readonly path: string;

  constructor(
    dir: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.path = join(dir, TOOLS_FILE);
  }

  /** Reads `tools.json`; a file that cannot be read as one is moved aside (and said so), never fatal. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        this.log(`tools: cannot read ${TOOLS_FILE}: ${String(e)}`);
      return;
    }
    const parsed = ToolsFile.safeParse(safeJson(text));
    if (!parsed.success) {
      const aside = `${this.path}.unreadable-${Date.now()}`;
      this.log(`tools: ${TOOLS_FILE} is not valid; moved to ${aside} and starting with no remembered tools`);
      await rename(this.path, aside).catch(() => undefined);
      return;
    }
    for (const [name, record] of Object.entries(parsed.data.tools)) {
      // A name no tool could register now (hand-edited, or stored by an older version): never shown, never
      // logged raw, dropped from the file at the next write. Its tool asks again under a valid name.
      const problem = toolNameProblem(name);
      if (problem)
        this.log(`tools: ${TOOLS_FILE} holds a tool name that is not valid (${problem}); ignoring it`);
      else this.records.set(name, record);
    }
  }

  get(name: string): ToolRecord | undefined {
    return this.records.get(name);
  }

  names(): string[] {
    return [...this.records.keys()];
  }

  /** Records a decision and resolves once it is on disk. */
  async decide(name: string, decision: ToolRecord['decision'], by: ToolRecord['decidedBy']): Promise<void> {
    const previous = this.records.get(name);
    this.records.set(name, { ...previous, decision, decidedAt: new Date().toISOString(), decidedBy: by });
    await this.save();
  }

  /** Notes a use (and who used it, or with `used: false` only who asked); written within a second. */
  touch(
    name: string,
    who: { pid?: number; pidVerified?: boolean; executable?: string } = {},
    used = true,
  ): void {
    const record = this.records.get(name);
    if (!record) return;
    if (used) record.lastUsedAt = new Date().toISOString();
    if (who.pid !== undefined) {
      // A pid the OS told is not replaced by one a tool merely reported.
      if (who.pidVerified || !record.lastPidVerified || record.lastPid !== who.pid) {
        record.lastPid = who.pid;
        record.lastPidVerified = who.pidVerified ?? false;
      }
      if (who.executable !== undefined) record.lastExecutable = who.executable;
    }
    this.dirty = true;
    if (!this.useTimer) {
      this.useTimer = setTimeout(() => {
        this.useTimer = null;
        if (this.dirty) void this.save().catch(() => undefined);
      }, USE_WRITE_DELAY_MS);
      this.useTimer.unref?.();
    }
  }

  /** Writes what is pending (on host shutdown). */
  async flush(): Promise<void> {
    if (this.useTimer) clearTimeout(this.useTimer);
    this.useTimer = null;
    if (this.dirty) await this.save().catch(() => undefined);
    await this.chain;
  }

  private save(): Promise<void> {
    this.dirty = false;
    if (this.queued) return this.queued;
    const run = this.chain.then(async () => {
      this.queued = null;
      // Taken when the write starts, so it holds every change made while it waited.
      const snapshot = JSON.stringify(
        { version: 1, tools: Object.fromEntries(this.records) } satisfies z.infer<typeof ToolsFile>,
        null,
        2,
      );
      try {
        await ensurePrivateDir(join(this.path, '..'));
        await writeFileAtomic(this.path, snapshot + '\n', 0o600);
      } catch (e) {
        this.log(`tools: could not save ${TOOLS_FILE}: ${asKeybridgeError(e).message}`);
        throw e;
      }
    });
    this.queued = run;
    this.chain = run.catch(() => undefined);
    return run;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
