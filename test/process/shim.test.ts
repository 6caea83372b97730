import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAlive, readIdentity } from '../../src/process/identity.js';
import { decodeStatus, readStatusFile } from '../../src/process/shim.js';
import { loadExeca } from '../../src/process/load-execa.js';
import { spawnRun } from '../../src/process/spawn.js';
import { listChildren } from '../../src/process/tree.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { waitUntil } from '../helpers/wait.js';

beforeAll(loadExeca); // spawnRun is synchronous: execa is loaded first, as the SDK's callers do

const EXIT_WHEN_FILE = fileURLToPath(new URL('../fixtures/process/exit-when-file.mjs', import.meta.url));
const sandbox = useProcessSandbox();
const { janitor } = sandbox;

describe('decodeStatus', () => {
  it.each([
    [0, { exitCode: 0, signal: null }],
    [3, { exitCode: 3, signal: null }],
    [128, { exitCode: 128, signal: null }],
    [129, { exitCode: null, signal: 'SIGHUP' }],
    [130, { exitCode: null, signal: 'SIGINT' }],
    [134, { exitCode: null, signal: 'SIGABRT' }],
    [137, { exitCode: null, signal: 'SIGKILL' }],
    [143, { exitCode: null, signal: 'SIGTERM' }],
    [157, { exitCode: null, signal: 'SIGIO' }],
    [159, { exitCode: null, signal: 'SIGSYS' }],
    [160, { exitCode: 160, signal: null }], // 32: no Node name for it
    [255, { exitCode: 255, signal: null }],
  ])('decodes %i', (code, expected) => {
    expect(decodeStatus(code)).toEqual(expected);
  });
});

describe('readStatusFile', () => {
  it('returns null when missing or unparseable, the decoded status otherwise', () => {
    const file = path.join(sandbox.dir, 'status');
    expect(readStatusFile(file)).toBeNull();
    for (const junk of ['', '\n', 'abc\n', '-1\n', '1.5\n', '1234\n']) {
      writeFileSync(file, junk);
      expect(readStatusFile(file)).toBeNull();
    }
    writeFileSync(file, '3\n');
    expect(readStatusFile(file)).toMatchObject({ exitCode: 3, signal: null });
    writeFileSync(file, '143\n');
    expect(readStatusFile(file)).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    expect(readStatusFile(sandbox.dir)).toBeNull();
  });
});

describe('the shim', () => {
  it('survives TERM, HUP and INT sent to it alone, and records the status its task ends with', async () => {
    const statusFile = path.join(sandbox.dir, 'status');
    const goFile = path.join(sandbox.dir, 'go');
    const run = spawnRun({
      command: [process.execPath, EXIT_WHEN_FILE, goFile, '5'], cwd: sandbox.dir, env: {},
      outputFile: path.join(sandbox.dir, 'output.log'), statusFile,
    });
    janitor.track(run.identity);
    const taskPid = await waitUntil(() => listChildren(run.identity.pid)[0], { what: 'the task to start' });
    const task = readIdentity(taskPid)!;
    for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.kill(run.identity.pid, signal);
    // Had the shim died of them, `exited` would report the signal and no status file would be written.
    expect(isAlive(task)).toBe(true);
    expect(existsSync(statusFile)).toBe(false);
    writeFileSync(goFile, '');
    expect(await run.exited).toEqual({ exitCode: 5, signal: null });
    expect(readStatusFile(statusFile)).toMatchObject({ exitCode: 5, signal: null });
  });

  it('writes the status even when the task env has a PATH without mv', async () => {
    const statusFile = path.join(sandbox.dir, 'status');
    const run = spawnRun({
      command: [process.execPath, '-e', 'process.exitCode = 4'], cwd: sandbox.dir, env: { PATH: path.join(sandbox.dir, 'nothing-here') },
      outputFile: path.join(sandbox.dir, 'output.log'), statusFile,
    });
    janitor.track(run.identity);
    expect(await run.exited).toEqual({ exitCode: 4, signal: null });
    expect(readStatusFile(statusFile)).toMatchObject({ exitCode: 4, signal: null });
  });
});
