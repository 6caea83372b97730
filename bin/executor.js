#!/usr/bin/env node
// The `executor` binary: runs one command line and leaves the exit code to Node (no forced exit, so piped output drains).
// CommonJS (bin/package.json), so Node starts it without its ESM loader. `--version` and the top-level help are answered
// here without loading the CLI or the SDK: the version from package.json, the help from the copy `npm run build` wrote
// (dist/cli/help.txt, the same text the CLI prints when not on a terminal).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const argv = process.argv.slice(2);
const only = argv.length === 1 ? argv[0] : argv.length === 0 ? '--help' : null;
const fast = only === '--version' || only === '-V' ? ['..', 'package.json'] : only === '--help' || only === '-h' ? ['..', 'dist', 'cli', 'help.txt'] : null;
let text = null;
if (fast !== null) {
  try {
    const raw = readFileSync(join(__dirname, ...fast), 'utf8');
    text = only === '--version' || only === '-V' ? `${JSON.parse(raw).version}\n` : raw;
  } catch {
    text = null; // no build copy: the full CLI answers
  }
}
if (text !== null) process.stdout.write(text);
else {
  import(pathToFileURL(join(__dirname, '..', 'dist', 'cli', 'main.js')).href)
    .then(({ nodeIo, runCli }) => runCli(argv, nodeIo()))
    .then((code) => { process.exitCode = code; });
}
