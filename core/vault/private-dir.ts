/** Folders that hold secrets are the user's alone. */
import { promises as fs } from 'node:fs';

/** Creates `dir` (0700) if needed, and narrows an existing one that is open to group or others to 0700. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return; // POSIX modes do not apply; the profile folder's ACL does.
  const stat = await fs.stat(dir);
  if ((stat.mode & 0o077) !== 0) await fs.chmod(dir, 0o700);
}
