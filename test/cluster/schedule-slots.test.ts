// Issue 17, schedules: each slot of a scheduled task is handled once in the cluster, through its unique (task, slot)
// row. Two Executors racing on a slot fire it once; a stale view (a host that thaws and writes back an old
// lastScheduledAt) finds the slot's row and does not run it again; a supervisor whose host was claimed down claims none.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';
import { newCluster } from './kit.js';

const kit = useExecutors();
const STAMP_SLOT = fileURLToPath(new URL('../fixtures/cluster/stamp-slot.sh', import.meta.url));

// The server's URL and the schema of a cluster URL made by newCluster.
function splitUrl(cluster: string): { server: string; schema: string } {
  const url = new URL(cluster);
  const schema = url.searchParams.get('schema')!;
  url.search = '';
  return { server: url.toString(), schema };
}

// The slots stamped into `log`, with the pids that stamped each.
function stampsBySlot(log: string): Map<string, Set<string>> {
  const bySlot = new Map<string, Set<string>>();
  let text = '';
  try { text = readFileSync(log, 'utf8'); } catch { return bySlot; }
  for (const line of text.split('\n').filter(Boolean)) {
    const [, pid, , slot] = line.split(' ');
    bySlot.set(slot!, (bySlot.get(slot!) ?? new Set()).add(pid!));
  }
  return bySlot;
}

async function twoHosts(tag: string, period: string): Promise<{ a: Executor; b: Executor; cluster: string; log: string }> {
  const cluster = newCluster(tag);
  const log = path.join(kit.tmpDir(), 'stamps.log');
  const a = kit.open(kit.tmpDir(), { cluster, host: 'host-a' });
  const b = kit.open(kit.tmpDir(), { cluster, host: 'host-b' });
  await a.addTask('beat', STAMP_SLOT, { period, overlap: 'allow', env: { STAMP_LOG: log, STAMP_MS: '50' } });
  expect((await a.startTask('beat')).result).toBe('scheduled');
  return { a, b, cluster, log };
}

describe('cluster schedules: one run per slot', () => {
  it('two Executors racing on the same slots fire each once (one row per slot, naming its run)', async () => {
    const { a, b, cluster, log } = await twoHosts('race', '1 sec');
    const deadline = Date.now() + T(10_000);
    let runs = await a.listRuns({ task: 'beat' });
    while (runs.length < 3 && Date.now() < deadline) {
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      runs = await a.listRuns({ task: 'beat' });
    }
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const slots = runs.map((r) => r.scheduledFor);
    expect(new Set(slots).size).toBe(slots.length);
    const { server, schema } = splitUrl(cluster);
    const rows = psql(server, `SELECT to_char(slot AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || ' ' || run_id FROM "${schema}".slots WHERE task = 'beat' ORDER BY slot`).split('\n').filter(Boolean);
    for (const run of runs) expect(rows).toContain(`${run.scheduledFor} ${run.runId}`);
    await waitUntil(() => runs.every((r) => stampsBySlot(log).has(r.scheduledFor!)), { what: 'every run\'s stamp', timeoutMs: 5_000 });
    for (const [slot, pids] of stampsBySlot(log)) expect([slot, pids.size]).toEqual([slot, 1]);
  });

  it('a stale lastScheduledAt written back (a thawed host) does not run the slot again: the row says it was handled', async () => {
    const { a, b, cluster, log } = await twoHosts('stale', '3 sec');
    const { server, schema } = splitUrl(cluster);
    const fired = await waitUntil(async () => (await a.tick()).fired.includes('beat') && (await a.listRuns({ task: 'beat' }))[0]!, { what: 'host-a to fire a slot', timeoutMs: 8_000, intervalMs: 20 });
    const slot = fired.scheduledFor!;
    // A host that read the record before the slot, froze and thawed, writes its stale view back.
    const before = new Date(Date.parse(slot) - 3_000).toISOString();
    psql(server, `UPDATE "${schema}".tasks SET record = jsonb_set(record, '{state,lastScheduledAt}', '"${before}"'), seq = nextval('"${schema}".task_seq') WHERE name = 'beat'`);
    await b.tick();
    await a.tick();
    const runs = await a.listRuns({ task: 'beat' });
    expect(runs.filter((r) => r.scheduledFor === slot).map((r) => r.host)).toEqual(['host-a']);
    expect(psql(server, `SELECT record->'state'->>'lastScheduledAt' FROM "${schema}".tasks WHERE name = 'beat'`)).toBe(slot);
    await waitUntil(() => (stampsBySlot(log).get(slot)?.size ?? 0) >= 1, { what: 'the slot\'s stamp', timeoutMs: 5_000 });
    expect(stampsBySlot(log).get(slot)!.size).toBe(1);
  });

  it('a supervisor whose host was claimed down claims no slot (the fence), and claims again once its host is back', async () => {
    const cluster = newCluster('fence');
    const { server, schema } = splitUrl(cluster);
    const log = path.join(kit.tmpDir(), 'stamps.log');
    const a = kit.open(kit.tmpDir(), { cluster, host: 'host-a' });
    await a.addTask('beat', STAMP_SLOT, { period: '1 sec', env: { STAMP_LOG: log, STAMP_MS: '50' } });
    const handle = a.keepRestarting({ sleep: 1 });
    await handle.ready;
    await a.startTask('beat');
    await waitUntil(async () => (await a.listRuns({ task: 'beat' })).length >= 1, { what: 'a first slot', timeoutMs: 5_000 });
    // What a thawed host finds: another host claimed it down (here only down_at is set, so it goes on supervising).
    psql(server, `UPDATE "${schema}".hosts SET down_at = now() WHERE host = 'host-a'`);
    const downAt = Date.now();
    await waitUntil(() => Date.now() - downAt >= 3_000, { what: '3 s with the host down', timeoutMs: 4_000, intervalMs: 100 });
    const late = (await a.listRuns({ task: 'beat' })).filter((r) => Date.parse(r.scheduledFor!) > downAt + 500);
    expect(late).toEqual([]);
    expect(psql(server, `SELECT count(*) FROM "${schema}".slots WHERE slot > '${new Date(downAt + 500).toISOString()}'`)).toBe('0');
    psql(server, `UPDATE "${schema}".hosts SET down_at = NULL WHERE host = 'host-a'`);
    const backAt = Date.now();
    await waitUntil(async () => (await a.listRuns({ task: 'beat' })).some((r) => Date.parse(r.scheduledFor!) > backAt), { what: 'a slot after the host is back', timeoutMs: 5_000 });
    await handle.stop();
  });
});
