// The package ships the `executor` bin: package.json maps it, the tarball holds it and what it loads, and it runs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; bin: Record<string, string> };

describe('the executor bin', () => {
  it('is the package bin, packed with the built CLI, and starts with a node shebang', async () => {
    expect(PKG.bin).toEqual({ executor: './bin/executor.js' });
    expect(readFileSync(CLI_BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as [{ files: { path: string }[] }];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/executor.js', 'dist/cli/main.js', 'dist/index.js']));
    const r = await runCli(['--version']);
    expect(r).toMatchObject({ exitCode: 0, stdout: `${PKG.version}\n`, stderr: '' });
  });
});
