// Issue 17, fault test 7: a frozen supervisor. SIGSTOP of host-a's supervisor for 2 × leaseTime while it runs a
// stamping long-running task, and while a task scheduled on '1 sec' fires across the hosts: another host takes the
// long-running task over; once thawed, no stamp of host-a's copy comes more than 1 s after SIGCONT (its watchdog
// stopped it during the freeze), and no slot ran twice (each scheduledFor once in the runs, one slots row per slot,
// one process per slot in the stamps).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const STAMP_LOOP = fileURLToPath(new URL('../fixtures/cluster/stamp-loop.js', import.meta.url));
const STAMP_SLOT = fileURLToPath(new URL('../fixtures/cluster/stamp-slot.sh', import.meta.url));
const LEASE_MS = 2000;

function lines(log: string): string[][] {
  let text = '';
  try { text = readFileSync(log, 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((line) => line.split(' '));
}

// The server's URL and the schema of a cluster URL made by newCluster.
function splitUrl(cluster: string): { server: string; schema: string } {
  const url = new URL(cluster);
  const schema = url.searchParams.get('schema')!;
  url.search = '';
  return { server: url.toString(), schema };
}

describe('cluster fault test 7: a frozen supervisor', () => {
  it('SIGSTOP for 2 × leaseTime: another host takes over, the frozen copy is stopped before the thaw + 1 s, and no slot ran twice', async () => {
    const cluster = newCluster('faultfreeze');
    const loopLog = path.join(kit.tmpDir(), 'loop.log');
    const slotLog = path.join(kit.tmpDir(), 'slots.log');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    await client.addTask('loop', STAMP_LOOP, { env: { STAMP_LOG: loopLog } });
    await client.addTask('beat', STAMP_SLOT, { period: '1 sec', env: { STAMP_LOG: slotLog, STAMP_MS: '100' }, keepRuns: 1000 });
    const a = await startHost(cluster, 'host-a', LEASE_MS);
    await a.start('loop');
    await startHost(cluster, 'host-b', LEASE_MS);
    await startHost(cluster, 'host-c', LEASE_MS);
    expect((await client.startTask('beat')).result).toBe('scheduled');
    const oldPid = (await waitUntil(() => lines(loopLog).find(([, host]) => host === 'host-a'), { what: 'host-a\'s copy to stamp', timeoutMs: T(10_000) }))[2]!;
    await waitUntil(async () => (await client.listRuns({ task: 'beat' })).length >= 2, { what: 'two slots to run', timeoutMs: T(10_000) });
    const frozenAt = Date.now();
    a.child.kill('SIGSTOP');
    let thawedAt = 0;
    try {
      const thawAt = frozenAt + 2 * LEASE_MS;
      await waitUntil(() => Date.now() >= thawAt, { what: 'the freeze (2 × leaseTime)', timeoutMs: T(3 * LEASE_MS), intervalMs: 50 });
      // Another host took the task over during the freeze.
      expect(lines(loopLog).some(([, host, pid]) => pid !== oldPid && host !== 'host-a')).toBe(true);
    } finally {
      a.child.kill('SIGCONT');
      thawedAt = Date.now();
    }
    expect(String((await a.next('lost')).lost)).toMatch(/host-a/);
    // Slots keep firing after the thaw; watch a few more.
    const slotsBefore = (await client.listRuns({ task: 'beat' })).length;
    await waitUntil(async () => (await client.listRuns({ task: 'beat' })).length >= slotsBefore + 3, { what: 'three more slots', timeoutMs: T(10_000) });
    await client.stopTask('beat');
    // The frozen copy: no stamp more than 1 s after the thaw (in fact none after the freeze's lease).
    const old = lines(loopLog).filter(([, , pid]) => pid === oldPid).map(([, , , at]) => Number(at));
    expect(Math.max(...old) - thawedAt).toBeLessThan(T(1_000));
    expect(Math.max(...old) - frozenAt).toBeLessThan(T(LEASE_MS + 1_000));
    // One copy at every moment: the old pid's last stamp before the new pid's first (within the 200 ms sampling).
    const newer = lines(loopLog).filter(([, , pid]) => pid !== oldPid);
    expect(new Set(newer.map(([, , pid]) => pid)).size).toBe(1);
    expect(Math.max(...old)).toBeLessThan(Math.min(...newer.map(([, , , at]) => Number(at))) + 200);
    expect((await client.listTasks()).find((r) => r.name === 'loop')).toMatchObject({ status: 'running' });
    expect((await client.listRuns({ task: 'loop' })).map((r) => [r.host, r.exitUnknown])).toEqual([[newer[0]![1], false], ['host-a', true]]);
    // No slot ran twice.
    const runs = await client.listRuns({ task: 'beat' });
    const slots = runs.map((r) => r.scheduledFor);
    expect(slots.every(Boolean)).toBe(true);
    expect(new Set(slots).size).toBe(slots.length);
    const { server, schema } = splitUrl(cluster);
    const rows = psql(server, `SELECT to_char(slot AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' ' || run_id FROM "${schema}".slots WHERE task = 'beat' ORDER BY slot`).split('\n').filter(Boolean);
    expect(new Set(rows.map((r) => r.split(' ')[0])).size).toBe(rows.length);
    for (const run of runs) expect(rows).toContain(`${run.scheduledFor} ${run.runId}`);
    const pidsBySlot = new Map<string, Set<string>>();
    for (const [, pid, , slot] of lines(slotLog)) pidsBySlot.set(slot!, (pidsBySlot.get(slot!) ?? new Set()).add(pid!));
    expect(pidsBySlot.size).toBeGreaterThanOrEqual(3);
    for (const [slot, pids] of pidsBySlot) expect([slot, pids.size]).toEqual([slot, 1]);
    await client.stopTask('loop');
  }, T(90_000));
});
