import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readProcStat } from '../../src/process/identity.js';
import { listChildren, listDescendants, listGroupMembers } from '../../src/process/tree.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { waitUntil } from '../helpers/wait.js';

const TREE = fileURLToPath(new URL('../fixtures/process/tree.mjs', import.meta.url));
const sandbox = useProcessSandbox();
const { janitor } = sandbox;

/** Starts tree.mjs as a group leader with `depth` levels below it; resolves with all pids once every one is up. */
async function startTree(depth: number): Promise<{ root: number; pids: number[] }> {
  const pidsFile = path.join(sandbox.dir, 'pids');
  const root = spawn(process.execPath, [TREE, pidsFile, String(depth)], { stdio: 'ignore', detached: true });
  janitor.track(root.pid);
  const pids = await waitUntil(() => {
    let lines: number[] = [];
    try { lines = readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number); } catch { /* not yet */ }
    return lines.length === depth + 1 ? lines : null;
  }, { what: 'the whole tree to start' });
  pids.forEach((pid) => janitor.track(pid));
  return { root: root.pid!, pids };
}

describe('process tree', () => {
  it('lists children, descendants (a detached grandchild too) and group members', async () => {
    const { root, pids } = await startTree(2);
    const [child] = listChildren(root);
    expect(listChildren(root)).toEqual([child]);
    const grandchild = pids.find((pid) => pid !== root && pid !== child)!;
    expect(listChildren(child!)).toEqual([grandchild]);
    expect(readProcStat(grandchild)?.ppid).toBe(child);

    expect(new Set(listDescendants(root))).toEqual(new Set([child, grandchild]));
    expect(listDescendants(root)).not.toContain(root);
    expect(listDescendants(grandchild)).toEqual([]);

    // The grandchild was spawned detached: it has its own group.
    expect(new Set(listGroupMembers(root))).toEqual(new Set([root, child]));
    expect(listGroupMembers(grandchild)).toEqual([grandchild]);
  });

  it('returns [] for a missing pid or group', async () => {
    const child = spawn('true', [], { stdio: 'ignore' });
    const pid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    await waitUntil(() => readProcStat(pid) === null, { what: `pid ${pid} to be reaped` });
    expect(listChildren(pid)).toEqual([]);
    expect(listDescendants(pid)).toEqual([]);
    expect(listGroupMembers(pid)).toEqual([]);
    expect(listChildren(-1)).toEqual([]);
  });
});
