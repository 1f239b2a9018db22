'use strict';
require('../dist/keybridge.cjs').main();
