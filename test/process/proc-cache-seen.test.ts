// ProcCache.whileSeen: a walk of /proc just made answers "alive" for the processes it holds (listTasks' pass reads no
// stat file again for them); anything it does not hold is read as usual. Real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { readIdentity } from '../../src/process/identity.js';
import { ProcCache } from '../../src/process/proc-cache.js';
import { readProcTable } from '../../src/process/proc-table.js';
import { waitUntil } from '../helpers/wait.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL'); // each child leads its own group
    } catch {
      // already gone
    }
  }
});

function start(): ChildProcess {
  const child = spawn('/bin/sh', ['-c', 'sleep 30; :'], { stdio: 'ignore', detached: true });
  children.push(child);
  return child;
}

describe('ProcCache.whileSeen', () => {
  it('answers alive from the walk, reads what the walk does not hold, and is undone after', async () => {
    const cache = new ProcCache();
    const before = start();
    const a = readIdentity(before.pid!)!;
    const walk = readProcTable();
    const after = start();
    const b = readIdentity(after.pid!)!;
    const seen = await cache.whileSeen(walk, async () => {
      const answers = [cache.isAlive(a), cache.isAlive(b), cache.isAlive({ ...a, startTime: a.startTime + 1 })];
      process.kill(-before.pid!, 'SIGKILL');
      await waitUntil(() => !new ProcCache().isAlive(a), { timeoutMs: 5_000, what: 'the first child to die' });
      answers.push(cache.isAlive(a)); // still alive in the walk: the walk's answer
      return answers;
    });
    expect(seen).toEqual([true, true, false, true]);
    expect(cache.isAlive(a), 'read again once the walk is put away').toBe(false);
    expect(cache.isAlive(b)).toBe(true);
  });

  it('lets an inner walk end without dropping the outer one', async () => {
    const cache = new ProcCache();
    const child = start();
    const id = readIdentity(child.pid!)!;
    const outer = readProcTable();
    await cache.whileSeen(outer, async () => {
      await cache.whileSeen(readProcTable(), async () => undefined);
      process.kill(-child.pid!, 'SIGKILL');
      await waitUntil(() => !new ProcCache().isAlive(id), { timeoutMs: 5_000, what: 'the child to die' });
      expect(cache.isAlive(id), 'the outer walk still answers').toBe(true);
    });
    expect(cache.isAlive(id)).toBe(false);
  });
});
