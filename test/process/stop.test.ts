import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAlive, readIdentity, readProcStat, type ProcessIdentity } from '../../src/process/identity.js';
import { readStatusFile } from '../../src/process/shim.js';
import { loadExeca } from '../../src/process/load-execa.js';
import { spawnRun, type SpawnedRun } from '../../src/process/spawn.js';
import { DEFAULT_KILL_TIMEOUT_MS, stopTree } from '../../src/process/stop.js';
import { listChildren } from '../../src/process/tree.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';

beforeAll(loadExeca); // spawnRun is synchronous: execa is loaded first, as the SDK's callers do

const TREE = fileURLToPath(new URL('../fixtures/process/tree.mjs', import.meta.url));
const sandbox = useProcessSandbox();
const { janitor } = sandbox;

interface TreeRun { run: SpawnedRun; statusFile: string; outputFile: string; tree: ProcessIdentity[] }

/** Runs tree.mjs under the shim: shim -> task -> child -> grandchild (detached); resolves once all are up. */
async function startTreeRun(mode = ''): Promise<TreeRun> {
  const pidsFile = path.join(sandbox.dir, 'pids');
  const statusFile = path.join(sandbox.dir, 'status');
  const outputFile = path.join(sandbox.dir, 'output.log');
  const run = spawnRun({ command: [process.execPath, TREE, pidsFile, '2', mode], cwd: sandbox.dir, env: { PATH: process.env.PATH ?? '' }, outputFile, statusFile });
  janitor.track(run.identity);
  const pids = await waitUntil(() => {
    let lines: number[] = [];
    try { lines = readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number); } catch { /* not yet */ }
    return lines.length === 3 ? lines : null;
  }, { what: 'the task tree to start' });
  // Every level has installed its handlers once it has printed "ready".
  await waitUntil(() => readFileSync(outputFile, 'utf8').split('ready').length === 4, { what: 'all three to be ready' });
  const tree = pids.map((pid) => readIdentity(pid)!);
  tree.forEach((id) => janitor.track(id));
  return { run, statusFile, outputFile, tree };
}

describe('stopTree', () => {
  it('defaults to a 5 s kill timeout', () => {
    expect(DEFAULT_KILL_TIMEOUT_MS).toBe(5_000);
  });

  it('signals nothing when the pid now belongs to a stranger (other start time or other boot)', async () => {
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    janitor.track(stranger.pid);
    const real = readIdentity(stranger.pid!)!;
    const fakes = [{ ...real, startTime: real.startTime - 1 }, { ...real, bootId: '00000000-0000-0000-0000-000000000000' }];
    for (const fake of fakes) {
      expect(isAlive(fake)).toBe(false);
      expect(await stopTree(fake, { killTimeoutMs: 100 })).toEqual({ signalled: false, forced: false });
    }
    expect(pidAlive(stranger.pid!)).toBe(true);
    expect(isAlive(real)).toBe(true);
    expect(stranger.exitCode).toBeNull();
    expect(stranger.signalCode).toBeNull();
  });

  it('stops the task, its child and its detached grandchild with SIGTERM; the shim records 143', async () => {
    const { run, statusFile, tree } = await startTreeRun();
    expect(await stopTree(run.identity)).toEqual({ signalled: true, forced: false });
    for (const id of [run.identity, ...tree]) expect(isAlive(id)).toBe(false);
    expect(readFileSync(statusFile, 'utf8')).toMatch(/^143 \d+\.\d+\n$/);
    expect(readStatusFile(statusFile)).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    expect(await run.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
  });

  it('SIGKILLs a tree that ignores SIGTERM after killTimeoutMs; the shim survives to record 137', async () => {
    const { run, statusFile, tree } = await startTreeRun('ignore-term');
    expect(await stopTree(run.identity, { killTimeoutMs: 300, pollMs: 10 })).toEqual({ signalled: true, forced: true });
    for (const id of [run.identity, ...tree]) expect(isAlive(id)).toBe(false);
    expect(readStatusFile(statusFile)).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    // The shim exited by itself with the child's status; it was not SIGKILLed.
    expect(await run.exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
  });

  it('when forcing, leaves alone what a live root forks after its task died (the shim writing its status)', async () => {
    // Like the shim: the root traps TERM; its task ignores TERM; once the task is killed the root runs a chore, then exits.
    const doneFile = path.join(sandbox.dir, 'done');
    const script = 'trap : TERM; sh -c \'trap "" TERM; exec sleep 30\'; sleep 0.2 && echo ok > "$1"';
    const root = spawn('/bin/sh', ['-c', script, 'sh', doneFile], { stdio: 'ignore', detached: true });
    janitor.track(root.pid);
    await waitUntil(() => (readProcStat(listChildren(root.pid!)[0] ?? 0)?.comm === 'sleep' ? true : undefined), { what: 'the task to start' });
    const rootId = readIdentity(root.pid!)!;
    expect(await stopTree(rootId, { killTimeoutMs: 200, pollMs: 5 })).toEqual({ signalled: true, forced: true });
    expect(readFileSync(doneFile, 'utf8')).toBe('ok\n');
    await waitUntil(() => root.exitCode === 0, { what: 'the root to exit by itself' });
  });

  it('never throws for a tree that is already gone', async () => {
    const { run } = await startTreeRun();
    await stopTree(run.identity);
    expect(await stopTree(run.identity)).toEqual({ signalled: false, forced: false });
    expect(await stopTree({ ...run.identity, pid: 0x3fffff + 1 })).toEqual({ signalled: false, forced: false });
  });

  it('stops the group (and what hangs below it) when the shim itself died', async () => {
    const { run, tree } = await startTreeRun();
    process.kill(run.identity.pid, 'SIGKILL');
    await waitUntil(() => !isAlive(run.identity), { what: 'the shim to die' });
    expect(tree.every(isAlive)).toBe(true);
    expect(await stopTree(run.identity)).toEqual({ signalled: true, forced: false });
    for (const id of tree) expect(isAlive(id)).toBe(false);
  });

  it('counts a zombie as gone: an unreaped, dead descendant does not hold the stop up', async () => {
    // `sleep 31` ignores TERM and never reaps its child `sleep 30`, which dies on TERM and stays a zombie.
    const root = spawn('/bin/sh', ['-c', 'sleep 30 & trap "" TERM; exec sleep 31'], { stdio: 'ignore', detached: true });
    janitor.track(root.pid);
    const childPid = await waitUntil(() => (readProcStat(root.pid!)?.comm === 'sleep' ? listChildren(root.pid!)[0] : undefined), { what: 'the child sleep' });
    const child = readIdentity(childPid)!;
    const rootId = readIdentity(root.pid!)!;
    expect(await stopTree(rootId, { killTimeoutMs: 200 })).toEqual({ signalled: true, forced: true });
    expect(isAlive(child)).toBe(false);
    expect(isAlive(rootId)).toBe(false);
    await waitUntil(() => root.signalCode === 'SIGKILL', { what: 'the root to be reaped as SIGKILLed' });
  });
});
