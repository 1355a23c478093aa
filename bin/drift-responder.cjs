#!/usr/bin/env node
// The command line runs the TypeScript sources directly through tsx, so a fresh
// clone needs only `npm ci`.
require('tsx/cjs');
const { main } = require('../lib/replay/cli.ts');

const code = main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
process.exitCode = code;
