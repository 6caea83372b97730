// Issue 17, fault test 3 (schedules): 10 tasks on '2 sec' across 3 hosts (supervisors in their own processes), one
// host killed (kill -9) halfway. Every slot runs exactly once in the cluster, and the slots the dead host missed
// until another host claimed it follow each task's `catchUp`.
//
// Shortened from the 60 s to about 25 s (10 s before the kill, 14 s after): the kill's gap (leaseTime 5 s,
// then a pass) is the part that matters, and 25 s already give about 120 slots, with the gap and 4 or 5 slots of
// each task after the takeover, while keeping the file at about 40 s in CI, where the machine is shared. The lease is 5 s (the kit's default is 1 s) so the
// gap is longer than a period plus the catch-up threshold (2 s): some slots are really missed and catchUp decides.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const STAMP_SLOT = fileURLToPath(new URL('../fixtures/cluster/stamp-slot.sh', import.meta.url));
const LEASE_MS = 5_000;
const PERIOD_MS = 2_000;
const BEFORE_KILL_MS = 10_000;
const AFTER_KILL_MS = 14_000;
/** A slot is missed (not on time) once it is this late (src/supervisor/wake.ts CATCH_UP_THRESHOLD_MS). */
const CATCH_UP_THRESHOLD_MS = 2_000;
const POLICIES = ['all', 'all', 'all', 'all', 'none', 'none', 'none', 'one', 'one', 'one'] as const;

// The server's URL and the schema of a cluster URL made by newCluster.
function splitUrl(cluster: string): { server: string; schema: string } {
  const url = new URL(cluster);
  const schema = url.searchParams.get('schema')!;
  url.search = '';
  return { server: url.toString(), schema };
}

// A task's stamps: slot (ISO) -> the pids that stamped it (each run stamps twice, from one pid), and when it was first
// stamped (epoch ms).
function stampsBySlot(log: string): Map<string, { pids: Set<string>; first: number }> {
  const bySlot = new Map<string, { pids: Set<string>; first: number }>();
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const [, pid, at, slot] = line.split(' ');
    const seen = bySlot.get(slot!) ?? { pids: new Set<string>(), first: Infinity };
    seen.pids.add(pid!);
    seen.first = Math.min(seen.first, Number(at));
    bySlot.set(slot!, seen);
  }
  return bySlot;
}

const quantile = (values: number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
};

describe('cluster schedules: fault test 3', () => {
  it('10 tasks on 2 sec across 3 hosts, one killed halfway: every slot ran once, missed slots follow catchUp', async () => {
    const cluster = newCluster('sched3');
    const { server, schema } = splitUrl(cluster);
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    const logs = POLICIES.map((_, i) => path.join(kit.tmpDir(), `stamps-${i}.log`));
    for (const [i, catchUp] of POLICIES.entries()) {
      writeFileSync(logs[i]!, '');
      await client.addTask(`t${i}`, STAMP_SLOT, { period: '2 sec', catchUp, maxCatchUp: 10, keepRuns: 200, env: { STAMP_LOG: logs[i]!, STAMP_MS: '200' } });
    }
    const hosts = await Promise.all(['h1', 'h2', 'h3'].map((name) => startHost(cluster, name, LEASE_MS)));
    for (const [i] of POLICIES.entries()) expect((await client.startTask(`t${i}`)).result).toBe('scheduled');
    const t0 = Date.now();
    await waitUntil(() => Date.now() - t0 >= BEFORE_KILL_MS, { what: 'the first half', timeoutMs: BEFORE_KILL_MS + 1_000, intervalMs: 200 });
    // Placement ties go by name: a slot that comes while every host is idle goes to h1. Kill h1 between two slots
    // (the tasks were started together, so their slots are close), once it has no run under way: the next slots go
    // to it until the others find it dead (leaseTime), so they are missed, and catchUp decides. (A run under way on
    // it would count as its load and send the slots elsewhere, or skip them by `overlap` while it looks live.)
    const victim = hosts[0]!;
    const phase = Date.parse((await client.listRuns({ task: 't0', limit: 1 }))[0]!.scheduledFor!);
    await waitUntil(async () => {
      const since = (Date.now() - phase) % PERIOD_MS;
      if (since < 1_000 || since > 1_500) return false;
      return (await client.listHosts()).find((h) => h.host === victim.name)?.tasks.length === 0;
    }, { what: 'h1 idle between two slots', timeoutMs: 4 * PERIOD_MS, intervalMs: 20 });
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await waitUntil(() => Date.now() - killedAt >= AFTER_KILL_MS, { what: 'the second half', timeoutMs: AFTER_KILL_MS + 1_000, intervalMs: 200 });
    const downAt = Date.parse(psql(server, `SELECT to_char(down_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') FROM "${schema}".hosts WHERE host = '${victim.name}'`));
    expect(downAt - killedAt).toBeLessThan(T(LEASE_MS + 5_000));
    const endAt = Date.now() - PERIOD_MS; // slots after this may still be starting
    // The runs of the window are all recorded by now (the last stamps of runs under way are waited for).
    await waitUntil(async () => (await Promise.all(POLICIES.map((_, i) => client.listRuns({ task: `t${i}`, limit: 200 })))).flat().every((r) => r.endedAt !== null || Date.parse(r.scheduledFor ?? '0') > endAt), { what: 'the window\'s runs to end', timeoutMs: 10_000, intervalMs: 200 });
    const lateness: number[] = [];
    const unexplained: unknown[] = [];
    let missed = 0;
    let caughtUp = 0;
    const stampLateness: number[] = [];
    for (const [i, catchUp] of POLICIES.entries()) {
      const name = `t${i}`;
      const runs = (await client.listRuns({ task: name, limit: 200 })).filter((r) => r.scheduledFor !== null && Date.parse(r.scheduledFor) <= endAt);
      const bySlot = new Map<number, RunRecord[]>();
      for (const run of runs) bySlot.set(Date.parse(run.scheduledFor!), [...(bySlot.get(Date.parse(run.scheduledFor!)) ?? []), run]);
      // Exactly once: one run record per slot, and one process stamped it.
      for (const [slot, list] of bySlot) expect([name, new Date(slot).toISOString(), list.length]).toEqual([name, new Date(slot).toISOString(), 1]);
      const stamps = stampsBySlot(logs[i]!);
      for (const [slot, { pids }] of stamps) expect([name, slot, pids.size]).toEqual([name, slot, 1]);
      const rows = psql(server, `SELECT (extract(epoch FROM slot) * 1000)::bigint || ' ' || host || ' ' || coalesce(run_id, '') FROM "${schema}".slots WHERE task = '${name}' ORDER BY slot`).split('\n').filter(Boolean).map((l) => l.split(' '));
      const claimedBy = new Map(rows.map(([slot, host, runId]) => [Number(slot), { host: host!, runId: runId! }]));
      // Every run is its slot's row's run (a slot queued by the host that claimed it may be started by another).
      for (const run of runs) expect([name, run.scheduledFor, claimedBy.get(Date.parse(run.scheduledFor!))?.runId]).toEqual([name, run.scheduledFor, run.runId]);
      const skipLines = psql(server, `SELECT line FROM "${schema}".log WHERE line LIKE '%Skipping the % run of ${name}: the previous run is still running%'`);
      const skipped = new Set([...skipLines.matchAll(/Skipping the (\S+) run of/g)].map((m) => Date.parse(m[1]!)));
      const missedLogged = psql(server, `SELECT count(*) FROM "${schema}".log WHERE line LIKE '%Skipping % missed run(s) of ${name} (catchUp: ${catchUp})%'`) !== '0';
      const slots = [...bySlot.keys()].sort((a, b) => a - b);
      const first = slots[0]!;
      const gap = (s: number): boolean => s >= killedAt - PERIOD_MS && s <= downAt + PERIOD_MS;
      for (let s = first; s <= endAt; s += PERIOD_MS) {
        if (bySlot.has(s)) continue;
        // A slot the killed host claimed as it died: its run was never recorded (at most once, never twice).
        if (claimedBy.get(s)?.host === victim.name && Math.abs(s - killedAt) <= PERIOD_MS) continue;
        // Skipped by its overlap policy (a catch-up run still running at the slot's time), as in a folder; logged.
        if (skipped.has(s)) continue;
        // Not run: a slot missed (the dead host's, or one late past the threshold on a loaded machine), and only when
        // catchUp lets it go: never with 'all' (maxCatchUp 10).
        missed++;
        if (catchUp === 'all' || !missedLogged) unexplained.push({ name, catchUp, slot: s - killedAt, downAt: downAt - killedAt, row: claimedBy.get(s) ?? null, runs: runs.map((r) => [Date.parse(r.scheduledFor!) - killedAt, r.host, r.trigger, Date.parse(r.startedAt) - killedAt]) });
      }
      for (const run of runs) {
        const late = Date.parse(run.startedAt) - Date.parse(run.scheduledFor!);
        // catchUp 'none' never runs a slot past the threshold; 'one' runs at most one catch-up per downtime.
        if (catchUp === 'none') expect([name, run.scheduledFor, run.trigger, late <= CATCH_UP_THRESHOLD_MS + T(1_000)]).toEqual([name, run.scheduledFor, 'schedule', true]);
        if (run.trigger === 'catch-up') caughtUp++;
        if (!gap(Date.parse(run.scheduledFor!)) && run.trigger === 'schedule') {
          lateness.push(late);
          const stamped = stamps.get(run.scheduledFor!)?.first;
          if (stamped !== undefined) stampLateness.push(stamped - Date.parse(run.scheduledFor!));
        }
      }
      // The killed host's runs under way were closed by another host, not run again.
      for (const run of runs.filter((r) => r.host === victim.name && Date.parse(r.endedAt!) > killedAt + 1_000)) expect([name, run.runId, run.exitUnknown]).toEqual([name, run.runId, true]);
    }
    expect(unexplained).toEqual([]);
    expect(missed + caughtUp).toBeGreaterThan(0); // the kill really left slots to catch up or to miss
    // After the takeover, slots go to the hosts left only.
    const after = (await Promise.all(POLICIES.map((_, i) => client.listRuns({ task: `t${i}`, limit: 200 })))).flat().filter((r) => Date.parse(r.startedAt) > downAt + PERIOD_MS);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((r) => r.host !== victim.name)).toBe(true);
    const p99 = quantile(lateness, 0.99);
    if (process.env.SLOT_LATENESS_OUT) {
      const figures = (values: number[]): Record<string, number> => ({ runs: values.length, p50: quantile(values, 0.5), p99: quantile(values, 0.99), max: Math.max(...values) });
      writeFileSync(process.env.SLOT_LATENESS_OUT, `${JSON.stringify({ started: figures(lateness), stamped: figures(stampLateness) })}\n`);
    }
    expect(p99).toBeLessThan(T(5_000)); // only a sanity bound: the figure (goal < 100 ms) is for the bench, on a quiet machine
    await client.stopAll(); // while the hosts live: they stop their runs at once (the kit kills them before its own cleanup)
  }, T(90_000));
});
