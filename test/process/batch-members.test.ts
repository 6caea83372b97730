// Issue 13: the members of many runs found in one pass over /proc (membersOfAll) are exactly what runMembers finds for
// each run on its own: tree, group, session, marked escapees, never a stranger, nothing from another boot.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { membersOfAll, readMarkersAhead, type BatchScope } from '../../src/process/batch-members.js';
import { readBootId, readIdentity, type ProcessIdentity } from '../../src/process/identity.js';
import { runMembers, type Member } from '../../src/process/members.js';
import { ProcCache } from '../../src/process/proc-cache.js';
import { readProcTable } from '../../src/process/proc-table.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { markedPids } from '../helpers/marked.js';
import { waitUntil } from '../helpers/wait.js';

const { janitor } = useProcessSandbox();
const TREES = 3;
// A shell (the root: a session and group leader, like the shim) with a child, and a daemon that left its group and
// session (setsid in a subshell that exits: the daemon is reparented, found only by its marker).
const SCRIPT = '(setsid sleep 300 &); sleep 300 & wait';

/** Starts the trees; resolves with their roots once each has its root, its child and its daemon. */
async function startTrees(executorId: string): Promise<ProcessIdentity[]> {
  const roots = Array.from({ length: TREES }, (_, i) => {
    const env = { PATH: process.env.PATH ?? '', EXECUTOR_ID: executorId, EXECUTOR_RUN_ID: `r${i}`, EXECUTOR_TASK: `t${i}` };
    const child = spawn('sh', ['-c', SCRIPT], { env, detached: true, stdio: 'ignore' });
    child.unref();
    const id = readIdentity(child.pid!)!;
    janitor.track(id);
    return id;
  });
  await waitUntil(() => roots.every((_, i) => markedPids(executorId, `r${i}`).length === 3), { what: 'every tree with its daemon' });
  for (let i = 0; i < TREES; i++) markedPids(executorId, `r${i}`).forEach((pid) => janitor.track(pid));
  return roots;
}

const asList = (members: Map<number, Member>): string[] => [...members.values()].map((m) => `${m.id.pid}:${m.id.startTime}:${m.ppid}:${m.pgrp}`).sort();

describe('membersOfAll', () => {
  it('finds for each run what runMembers finds for it alone', async () => {
    const executorId = `batch-${randomUUID()}`;
    const roots = await startTrees(executorId);
    const bootId = readBootId();
    const scopes: BatchScope[] = [
      ...roots.map((root, i) => ({ root, marker: { executorId, runId: `r${i}` } })),
      { root: roots[0]!, marker: null }, // tree, group and session only: not the daemon
      { root: { ...roots[1]!, startTime: roots[1]!.startTime - 1 }, marker: { executorId, runId: 'r1' } }, // a stranger's pid now
      { root: { pid: 0, startTime: 0, bootId }, marker: { executorId, task: 't2' } }, // every run of a task
      { root: { ...roots[2]!, bootId: '00000000-0000-0000-0000-000000000000' }, marker: { executorId, runId: 'r2' } }, // another boot
    ];
    const table = readProcTable();
    const cache = new ProcCache();
    await readMarkersAhead(scopes, table, cache);
    const batch = membersOfAll(scopes, table, cache);
    const alone = scopes.map((scope) => runMembers({ ...scope, checked: new Map() }, table));
    expect(batch.map(asList)).toEqual(alone.map(asList));
    for (let i = 0; i < TREES; i++) expect([...batch[i]!.keys()].sort()).toEqual(markedPids(executorId, `r${i}`).sort());
    expect(batch[TREES]!.size).toBe(2); // the root and its child, not the daemon
    expect(batch[TREES + 3]!.size).toBe(0);
    expect(batch[0]!.get(roots[0]!.pid)!.id).toBe(roots[0]); // the root is the very identity asked about
  });
});
