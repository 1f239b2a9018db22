/** Opens a URL in the system browser, detached; reports failure instead of throwing. */

export async function openBrowser(url: string, onFailure: (reason: string) => void): Promise<void> {
  const { spawn } = await import('node:child_process');
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? // `start` would need cmd.exe quoting for the & in the URL; the URL handler takes it verbatim.
          ['rundll32', ['url.dll,FileProtocolHandler', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.once('error', (e: NodeJS.ErrnoException) =>
      onFailure(e.code === 'ENOENT' ? `${cmd} is not installed` : e.message),
    );
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) onFailure(`${cmd} exited with code ${code}`);
    });
    child.unref();
  } catch (e) {
    onFailure((e as Error).message);
  }
}
