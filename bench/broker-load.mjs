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
 */
export async function closedLoop(o) {
  const warmupMs = o.warmupMs ?? 300;
  const latencies = [];
  let measuring = false;
  let stop = false;
  let done = 0;
  let failures = 0;
  const conns = [];

  for (let i = 0; i < o.clients; i += 1) {
    conns.push(
      new Promise((resolve, reject) => {
        const s = net.connect(o.path);
        s.setNoDelay?.(true);
        let pendingLines = o.greeting ? 1 : 0; // answers to skip (the greeting's)
        let sentAt = 0n;
        let checked = false;
        let buf = '';
        s.setEncoding('utf8');
        const send = () => {
          if (stop) {
            s.end();
            return;
          }
          sentAt = process.hrtime.bigint();
          s.write(o.request);
        };
        s.on('connect', () => {
          if (o.greeting) s.write(o.greeting);
          send();
        });
        s.on('data', (chunk) => {
          buf += chunk;
          let nl;
          while ((nl = buf.indexOf('\n')) !== -1) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (pendingLines > 0) {
              pendingLines -= 1;
              continue;
            }
            const rtt = Number(process.hrtime.bigint() - sentAt) / 1e6;
            if (!checked) {
              checked = true;
              if (o.check && !o.check(line)) failures += 1;
            }
            if (measuring) {
              latencies.push(rtt);
              done += 1;
            }
            send();
          }
        });
        s.on('error', reject);
        s.on('close', resolve);
      }),
    );
  }
  await new Promise((r) => setTimeout(r, warmupMs));
  measuring = true;
  const started = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, o.durationMs));
  measuring = false;
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  stop = true;
  await Promise.all(conns);
  return { latencies, throughput: done / elapsedS, failures };
}
