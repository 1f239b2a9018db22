#!/usr/bin/env node
'use strict';
// The `keybridge` command. The real code is the bundle built by scripts/build-node.mjs (npm install runs it).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'keybridge.cjs');
if (!existsSync(bundle)) {
  process.stderr.write(
    `keybridge is not built yet: run \`npm run build:node\` in ${join(__dirname, '..')}\n`,
  );
  process.exit(1);
}
require(bundle).main();
