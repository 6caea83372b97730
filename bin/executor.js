#!/usr/bin/env node
// The `executor` binary: runs one command line and leaves the exit code to Node (no forced exit, so piped output drains).
import { nodeIo, runCli } from '../dist/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2), nodeIo());
