/**
 * Closed-loop load on an NDJSON Unix socket: `clients` connections, each with one request in flight at a time
 * (send, wait for the answer line, send the next), for `durationMs` after a warm-up. Returns every round-trip
 * time and the throughput. Used against the broker (`credentials.get`) and against the echo baseline with
 * the very same client code, so the ratio is the server's cost alone.
 */
import net from 'node:net';

/**
 * @param {object} o
 * @param {string} o.path socket path
 * @param {number} o.clients
 * @param {string} o.request the request line (with newline)
 * @param {string} [o.greeting] a line sent once per connection first (hello), answer not timed
 * @param {number} o.durationMs
 * @param {number} [o.warmupMs]
 * @param {(line: string) => boolean} [o.check] validates the first answer of each connection
 * @param {() => number} [o.cpuMs] the server's CPU time so far (ms): sampled around the timed window, so the
 *   result also holds `cpuUsPerRequest`, the server's cost per answer whatever the machine's load
 */
export async function closedLoop(o) {
  const warmupMs = o.warmupMs ?? 300;
  // Round-trip times in a preallocated array and answers scanned as bytes (only the first is decoded, to be
  // checked): the client's own garbage collection must not show up as the server's latency.
  let latencies = new Float64Array(1 << 20);
  let measuring = false;
  let stop = false;
  let done = 0;
  let failures = 0;
  const conns = [];

  for (let i = 0; i < o.clients; i += 1) {
    conns.push(
      new Promise((resolve, reject) => {
        const s = net.connect(o.path);
        let pendingLines = o.greeting ? 1 : 0; // answers to skip (the greeting's)
        let sentAt = 0;
        let first = o.check ? [] : null; // the bytes of the first timed answer, until it is complete
        const send = () => {
          if (stop) {
            s.end();
            return;
          }
          sentAt = performance.now();
          s.write(o.request);
        };
        s.on('connect', () => {
          if (o.greeting) s.write(o.greeting);
          send();
        });
        s.on('data', (chunk) => {
          let from = 0;
          let nl;
          while ((nl = chunk.indexOf(0x0a, from)) !== -1) {
            const start = from;
            from = nl + 1;
            if (pendingLines > 0) {
              pendingLines -= 1;
              continue;
            }
            const rtt = performance.now() - sentAt;
            if (first) {
              first.push(chunk.subarray(start, nl));
              if (!o.check(Buffer.concat(first).toString('utf8'))) failures += 1;
              first = null;
            }
            if (measuring) {
              if (done === latencies.length) {
                const grown = new Float64Array(latencies.length * 2);
                grown.set(latencies);
                latencies = grown;
              }
              latencies[done] = rtt;
              done += 1;
            }
            send();
          }
          if (first && pendingLines === 0 && from < chunk.length) first.push(chunk.subarray(from));
        });
        s.on('error', reject);
        s.on('close', resolve);
      }),
    );
  }
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const cpuBefore = o.cpuMs?.();
  const started = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, o.durationMs));
  measuring = false;
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuUsPerRequest = cpuBefore === undefined ? undefined : ((o.cpuMs() - cpuBefore) * 1000) / done;
  stop = true;
  await Promise.all(conns);
  return {
    latencies: Array.from(latencies.subarray(0, done)),
    throughput: done / elapsedS,
    failures,
    cpuUsPerRequest,
  };
}
