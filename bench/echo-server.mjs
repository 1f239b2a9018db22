#!/usr/bin/env node
/**
 * The broker bench's baseline: a bare Unix-socket server in its own process that writes every line back as
 * it came. What the broker costs beyond this is its JSON-RPC parsing, validation and the session's work.
 * Usage: node bench/echo-server.mjs SOCKET_PATH  (prints "ready" once listening).
 */
import net from 'node:net';

const path = process.argv[2];
const server = net.createServer((socket) => {
  socket.setNoDelay?.(true);
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
    socket.write(text.slice(0, end + 1));
  });
  socket.on('error', () => socket.destroy());
});
server.listen(path, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
