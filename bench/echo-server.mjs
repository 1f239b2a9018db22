#!/usr/bin/env node
/**
 * The broker bench's baseline: a bare Unix-socket server in its own process that answers every line it gets
 * with one line — the same line back, or, given REPLY_BYTES, a fixed line of that many bytes (the size of the
 * broker's answer, so both put the same bytes on the wire). What the broker costs beyond this is its
 * JSON-RPC parsing, validation and the session's work.
 *
 *   node bench/echo-server.mjs SOCKET_PATH [REPLY_BYTES]   (prints "ready" once listening)
 */
import net from 'node:net';

const path = process.argv[2];
const replyBytes = Number(process.argv[3] ?? 0);
const reply = replyBytes > 1 ? `"${'x'.repeat(Math.max(0, replyBytes - 3))}"\n` : undefined;

const server = net.createServer((socket) => {
  let rest = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => {
    const text = rest + chunk;
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      rest = text;
      return;
    }
    rest = text.slice(end + 1);
    if (!reply) {
      socket.write(text.slice(0, end + 1));
      return;
    }
    let lines = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i <= end; i = text.indexOf('\n', i + 1)) lines += 1;
    socket.write(lines === 1 ? reply : reply.repeat(lines));
  });
  socket.on('error', () => socket.destroy());
});
server.listen(path, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
