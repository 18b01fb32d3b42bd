#!/usr/bin/env node
'use strict';
// The `rtk` command (rtk sample | info | bench): the compiled CLI lives in dist/cli/.
let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/main.js')) {
    process.stderr.write('rtk: the CLI is not built (dist/cli/main.js is missing); run `npm run build:ts` in the package folder\n');
    process.exit(1);
  }
  throw e;
}
cli.run(process.argv.slice(2));
