#!/usr/bin/env node
// The command line runs the TypeScript sources directly through tsx, so a fresh
// clone needs only `npm ci`.
require('tsx/cjs');
const { main } = require('../lib/replay/cli.ts');

main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTerminal: process.stderr.isTTY === true,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`drift-responder: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 70;
  },
);
