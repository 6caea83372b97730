#!/usr/bin/env node
// The `executor` binary: runs one command line and leaves the exit code to Node (no forced exit, so piped output drains).
// `--version` and the top-level help are answered without loading the CLI or the SDK: the version from package.json,
// the help from the copy `npm run build` wrote (dist/cli/help.txt, the same text the CLI prints when not on a terminal).
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const only = argv.length === 1 ? argv[0] : argv.length === 0 ? '--help' : null;
const fast = only === '--version' || only === '-V' ? '../package.json' : only === '--help' || only === '-h' ? '../dist/cli/help.txt' : null;
let text = null;
if (fast !== null) {
  try {
    const raw = readFileSync(new URL(fast, import.meta.url), 'utf8');
    text = fast.endsWith('.json') ? `${JSON.parse(raw).version}\n` : raw;
  } catch {
    text = null; // no build copy: the full CLI answers
  }
}
if (text !== null) process.stdout.write(text);
else {
  const { nodeIo, runCli } = await import('../dist/cli/main.js');
  process.exitCode = await runCli(argv, nodeIo());
}
