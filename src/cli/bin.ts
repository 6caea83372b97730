#!/usr/bin/env node
// The `executor` binary: runs the command line and leaves the exit code to Node (no forced exit, so output drains).
import { nodeIo } from './io.js';
import { runCli } from './main.js';

process.exitCode = await runCli(process.argv.slice(2), nodeIo());
