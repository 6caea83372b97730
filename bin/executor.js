#!/usr/bin/env node
// The `executor` binary: runs one command line and leaves the exit code to Node (no forced exit, so piped output drains).
// CommonJS (bin/package.json), so Node starts it without its ESM loader. `--version` and the top-level help are answered
// here without loading the CLI or the SDK: the version from package.json, the help from the copy `npm run build` wrote
// (dist/cli/help.txt, the same text the CLI prints when not on a terminal). A command line naming `ls` or `list` goes
// first to the fast `ls` (src/cli/list-main.ts: a plain `ls` without commander and the other commands), loaded from its
// CommonJS copy dist/cli/list.cjs with a code cache (compile-cache.js), else from dist/cli/list-main.js; a line it
// does not take (`ls --help`, a bad flag) goes on to the full CLI.
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
  const cli = (file) => import(pathToFileURL(join(__dirname, '..', 'dist', 'cli', file)).href);
  // `ls` from its CommonJS copy with a code cache (see compile-cache.js), else from its ES module.
  const listCli = () => {
    let cached = null;
    try {
      cached = require('./compile-cache.js').requireCached(join(__dirname, '..', 'dist', 'cli', 'list.cjs'));
    } catch {
      cached = null; // no CommonJS copy (a build without it): the ES module does the same
    }
    return cached === null ? cli('list-main.js') : Promise.resolve(cached);
  };
  const full = () => cli('main.js').then(({ nodeIo, runCli }) => runCli(argv, nodeIo()));
  const listing = argv.includes('ls') || argv.includes('list');
  (listing ? listCli().then(({ nodeIo, runListCli }) => runListCli(argv, nodeIo())) : Promise.resolve(null))
    .then((code) => (code === null ? full() : code))
    .then((code) => { process.exitCode = code; });
}
