/**
 * An idle, signed-in host over a window (60 s; 10 s with --quick): how often its main thread wakes up, the
 * CPU it burns and its memory, next to a bare Node process holding a Unix-socket server open over the same
 * window (docs/design.md "Quality bars": an idle host wakes for nothing but its refresh timer — and an
 * hour-long token has no refresh due in the window, so the goal is zero).
 *
 * Wake-ups are the main thread's context switches (/proc/PID/task/PID/status): an event loop asleep in
 * epoll_wait with nothing to do has none. What activity leaves behind is let pass first, as it is in any
 * Node process: V8's memory reducer wakes the thread every ~8 s for a few GCs after a burst of allocation
 * (the benches before this one), and a cleared timer still wakes the loop once when it was due (Node
 * reschedules lazily) — up to 30 s after a request. So the window starts once the host's main thread has
 * been quiet for 31 s in a row.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { procSample, sleep } from './lib.mjs';

const QUIET_MS = 31_000;

export async function benchIdle({ host, dir, windowMs, settleMaxMs }) {
  const barePath = join(dir, 'bare.sock');
  const bare = spawn(
    process.execPath,
    ['-e', `require('net').createServer().listen(${JSON.stringify(barePath)})`],
    {
      stdio: 'ignore',
    },
  );
  try {
    // Settle: wait for 31 quiet seconds in a row on the host's main thread (bounded).
    const settleStarted = Date.now();
    const settleUntil = settleStarted + settleMaxMs;
    let quietSince = Date.now();
    let last = mainSwitches(host.pid);
    while (Date.now() < settleUntil && Date.now() - quietSince < QUIET_MS) {
      await sleep(500);
      const now = mainSwitches(host.pid);
      if (now !== last) quietSince = Date.now();
      last = now;
    }
    const settledS = Math.round((Date.now() - settleStarted) / 1000);
    const settled = Date.now() - quietSince >= QUIET_MS;
    const h0 = procSample(host.pid);
    const b0 = procSample(bare.pid);
    await sleep(windowMs);
    const h1 = procSample(host.pid);
    const b1 = procSample(bare.pid);
    const wakeHost = h1.threads[host.pid].switches - h0.threads[host.pid].switches;
    const wakeBare = b1.threads[bare.pid].switches - b0.threads[bare.pid].switches;
    const allHost = sumSwitches(h1) - sumSwitches(h0);
    const allBare = sumSwitches(b1) - sumSwitches(b0);
    const secs = Math.round(windowMs / 1000);
    const cpuHost = h1.cpuMs - h0.cpuMs;
    const cpuBare = b1.cpuMs - b0.cpuMs;
    const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MB`;
    return [
      {
        figure: `idle host, ${secs} s: main-thread wake-ups (all threads); ${settled ? `quiet after ${settledS} s` : `V8 GC not yet settled after ${settledS} s`}`,
        measured: `${wakeHost} (${allHost})`,
        baseline: `bare node server ${wakeBare} (${allBare})`,
        goal: '0 (no timer due)',
        pass: wakeHost === 0,
      },
      {
        figure: `idle host, ${secs} s: CPU time`,
        measured: `${cpuHost.toFixed(0)} ms`,
        baseline: `bare node server ${cpuBare.toFixed(0)} ms`,
        goal: '≤ 10 ms (one 100 Hz tick)',
        pass: cpuHost <= 10,
      },
      {
        figure: 'host RSS, signed in and idle',
        measured: mb(h1.rss),
        baseline: `bare node server ${mb(b1.rss)}`,
        ratio: h1.rss / b1.rss,
        goal: '—',
      },
    ];
  } finally {
    bare.kill('SIGKILL');
  }
}

function mainSwitches(pid) {
  return procSample(pid).threads[pid]?.switches ?? 0;
}

function sumSwitches(sample) {
  return Object.values(sample.threads).reduce((n, t) => n + t.switches, 0);
}
