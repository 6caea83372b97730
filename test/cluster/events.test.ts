// Issue 17, events and chains in a cluster: they are rows of the `events` table, not files of one host's folder, so an
// event emitted by a client with no supervisor reaches the supervising hosts; each target runs once in the cluster,
// on a host allowed to run it, and a chain fired on one host starts its run on another with its upstream.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Executor, RunRecord } from '../../src/index.js';
import { clusterUrl, useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const STAMP = fileURLToPath(new URL('../fixtures/cluster/stamp-event.js', import.meta.url));
// Longer than the kit's 1 s: 30 runs spawned at once on a loaded 2-core machine must not get a host declared dead.
const LEASE_MS = 5000;

const kit = useExecutors();
const startHost = useHosts(kit);

/** One line of the shared log: a run of stamp-event.js. */
interface Stamp { host: string; runId: string; pid: number; upstreamRun: string; upstreamExit: string }

function stamps(log: string): Stamp[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [host, runId, pid, upstreamRun, upstreamExit] = line.split(' ');
    return { host: host!, runId: runId!, pid: Number(pid), upstreamRun: upstreamRun!, upstreamExit: upstreamExit! };
  });
}

/** The rows left in the cluster's `events` table: `id kind`. */
function eventRows(cluster: string): string[] {
  const schema = new URL(cluster).searchParams.get('schema')!;
  return psql(clusterUrl()!, `SELECT id || ' ' || kind FROM "${schema}".events ORDER BY id`).split('\n').filter(Boolean);
}

/** The task options of a stamping target. */
function target(log: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { wd: path.dirname(STAMP), env: { STAMP_LOG: log }, infiniteLoop: false, ...extra };
}

/** Waits until every run of `runIds` has ended; resolves with their records, by runId. */
async function ended(ex: Executor, runIds: string[], what: string): Promise<Map<string, RunRecord>> {
  return waitUntil(async () => {
    const runs = new Map((await ex.listRuns({ limit: 1000 })).map((r) => [r.runId, r]));
    return runIds.every((id) => runs.get(id)?.endedAt) ? runs : null;
  }, { what, timeoutMs: T(30_000), intervalMs: 200 });
}

describe('cluster: events', () => {
  it('emitted by a client with no supervisor, run exactly once each, on the hosts (a restricted task on its own host)', async () => {
    const cluster = newCluster('events');
    const log = path.join(kit.tmpDir(), 'stamps.log');
    appendFileSync(log, '');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    await client.addTask('any1', STAMP, target(log, { on: ['ping'] }));
    await client.addTask('any2', STAMP, target(log, { on: ['ping'] }));
    await client.addTask('onlyC', STAMP, target(log, { on: ['ping'], hosts: ['host-c'] }));
    await Promise.all(['host-a', 'host-b', 'host-c'].map((name) => startHost(cluster, name, LEASE_MS)));
    await waitUntil(async () => (await client.listHosts()).filter((h) => h.alive).length === 3, { what: 'three live hosts' });

    const emitted: string[][] = [];
    for (let i = 0; i < 10; i++) emitted.push(await client.emitEvent('ping', { i }));
    const runIds = emitted.flat();
    expect(runIds).toHaveLength(30);
    expect(new Set(runIds).size).toBe(30);
    const runs = await ended(client, runIds, '30 event runs to end');

    const lines = stamps(log);
    expect(lines.map((l) => l.runId).sort()).toEqual([...runIds].sort()); // each ran once, none twice
    for (const id of runIds) {
      const run = runs.get(id)!;
      const line = lines.find((l) => l.runId === id)!;
      expect(run).toMatchObject({ trigger: 'event', event: 'ping', status: 'succeeded' });
      expect(['host-a', 'host-b', 'host-c']).toContain(run.host);
      expect(line.host).toBe(run.host); // it ran where its record says
      if (run.task === 'onlyC') expect(run.host).toBe('host-c');
    }
    for (const [i, ids] of emitted.entries()) {
      expect(ids.map((id) => runs.get(id)!.task).sort(), `emit ${i}`).toEqual(['any1', 'any2', 'onlyC']);
      for (const id of ids) expect(runs.get(id)!.data).toEqual({ i });
    }
    await waitUntil(() => eventRows(cluster).length === 0, { what: 'the events table to empty' });
  }, T(60_000));

  it('a target no live host may run waits in the table, then runs once on the host that comes up', async () => {
    const cluster = newCluster('events_wait');
    const log = path.join(kit.tmpDir(), 'stamps.log');
    appendFileSync(log, '');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    await client.addTask('gpu', STAMP, target(log, { on: ['train'], labels: { gpu: true } }));
    await client.addTask('cpu', STAMP, target(log, { on: ['train'] }));
    await startHost(cluster, 'host-a', LEASE_MS);
    await waitUntil(async () => (await client.listHosts()).some((h) => h.alive), { what: 'a live host' });

    const [first, second] = await client.emitEvent('train', 'payload');
    const cpu = await waitUntil(async () => (await client.listRuns({ task: 'cpu' })).find((r) => r.endedAt !== null), { what: 'the cpu run', timeoutMs: T(10_000) });
    expect(cpu.host).toBe('host-a');
    const gpuId = cpu.runId === first ? second! : first!;
    // host-a has no gpu label: the gpu target stays in the row, alone, and the run is still pending.
    await waitUntil(() => eventRows(cluster).length === 1, { what: 'the row kept for its gpu target' });
    expect(await client.listRuns({ task: 'gpu' })).toEqual([]);
    expect(stamps(log).map((l) => l.runId)).toEqual([cpu.runId]);
    // Pending in the table, it is found from anywhere: as good as queued.
    expect(await client.getRun(gpuId)).toMatchObject({ task: 'gpu', status: 'queued', trigger: 'event', event: 'train', data: 'payload' });
    const waiting = client.waitRun(gpuId, { timeout: T(30_000) });

    // A host with the label: it picks the target up and runs it once.
    const gpuHost = await startHostWithLabels(cluster, 'host-g');
    expect(await waiting).toMatchObject({ task: 'gpu', host: 'host-g', status: 'succeeded', data: 'payload' });
    expect(stamps(log).filter((l) => l.runId === gpuId)).toHaveLength(1);
    await waitUntil(() => eventRows(cluster).length === 0, { what: 'the events table to empty' });
    await gpuHost.stop();
  }, T(60_000));
});

describe('cluster: a claimed event row', () => {
  it('held by a claimer that died is taken again once its claim expires; a target already handled does not run again', async () => {
    const lease = 2000;
    const cluster = newCluster('events_claim');
    const schema = new URL(cluster).searchParams.get('schema')!;
    const log = path.join(kit.tmpDir(), 'stamps.log');
    appendFileSync(log, '');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: lease });
    await client.addTask('any', STAMP, target(log, { on: ['ping'] }));
    await startHost(cluster, 'host-a', lease);
    await waitUntil(async () => (await client.listHosts()).some((h) => h.alive), { what: 'a live host' });
    // One event run the usual way; then its row again, as if its claimer had died after the start, before the delete.
    const [done] = await client.emitEvent('ping', 'first');
    const first = (await ended(client, [done!], 'the first run')).get(done!)!;
    const eventId = psql(clusterUrl()!, `SELECT record->'state'->'handledEvents'->>0 FROM "${schema}".tasks WHERE name = 'any'`);
    const row = (id: string, runId: string, claim: string): string => `INSERT INTO "${schema}".events (id, kind, body) VALUES ('${id}', 'event', jsonb_build_object(
      'eventId', '${id}', 'type', 'ping', 'payload', 'again', 'emittedAt', now(), 'targets', jsonb_build_array(jsonb_build_object('task', 'any', 'runId', '${runId}')))${claim})`;
    psql(clusterUrl()!, row(eventId, '20261207-000000-000-aaaaaa', ''));
    // A fresh event claimed just now by a process that died at once: left alone until its claim expires.
    const ghost = ` || jsonb_build_object('claim', jsonb_build_object('host', 'ghost', 'token', 'x', 'at', now()))`;
    const claimedAt = Date.now();
    psql(clusterUrl()!, row('20261207-000000-000-ghost0', '20261207-000000-000-bbbbbb', ghost));
    await waitUntil(() => !eventRows(cluster).includes(`${eventId} event`), { what: 'the handled row to go' });
    expect(eventRows(cluster)).toEqual(['20261207-000000-000-ghost0 event']);
    const runs = await ended(client, ['20261207-000000-000-bbbbbb'], 'the run of the expired claim');
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(lease + 5_000 - 500); // not before the claim expired
    expect(runs.get('20261207-000000-000-bbbbbb')).toMatchObject({ task: 'any', host: 'host-a', data: 'again', status: 'succeeded' });
    // Each ran once: the re-inserted row started nothing (the task had handled its event).
    expect(stamps(log).map((l) => l.runId).sort()).toEqual([first.runId, '20261207-000000-000-bbbbbb'].sort());
    expect((await client.listRuns({ task: 'any' })).map((r) => r.runId).sort()).toEqual([first.runId, '20261207-000000-000-bbbbbb'].sort());
    await waitUntil(() => eventRows(cluster).length === 0, { what: 'the events table to empty' });
  }, T(60_000));
});

describe('cluster: chains', () => {
  it('a chain fired on one host starts its run once on the host allowed to run it, with its upstream', async () => {
    const cluster = newCluster('chains');
    const log = path.join(kit.tmpDir(), 'stamps.log');
    appendFileSync(log, '');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    await client.addTask('load', STAMP, target(log, { on: ['go'], hosts: ['host-a'], env: { STAMP_LOG: log, EXIT_CODE: '3' } }));
    await client.addTask('report', STAMP, target(log, { after: [{ task: 'load', on: 'end' }], hosts: ['host-b'] }));
    await Promise.all(['host-a', 'host-b', 'host-c'].map((name) => startHost(cluster, name, LEASE_MS)));
    await waitUntil(async () => (await client.listHosts()).filter((h) => h.alive).length === 3, { what: 'three live hosts' });

    const loads = [];
    for (let i = 0; i < 3; i++) loads.push(...(await client.emitEvent('go', { i })));
    const loadRuns = await ended(client, loads, 'the load runs to end');
    const reports = await waitUntil(async () => {
      const runs = (await client.listRuns({ task: 'report', limit: 100 })).filter((r) => r.endedAt !== null);
      return runs.length >= 3 ? runs : null;
    }, { what: 'three report runs', timeoutMs: T(30_000) });
    await waitUntil(() => eventRows(cluster).length === 0, { what: 'the events table to empty' });
    expect(await client.listRuns({ task: 'report', limit: 100 })).toHaveLength(3); // once per upstream run
    const lines = stamps(log);
    expect(new Set(reports.map((r) => r.upstream?.runId))).toEqual(new Set(loads));
    for (const report of reports) {
      const up = loadRuns.get(report.upstream!.runId)!;
      expect(up).toMatchObject({ host: 'host-a', exitCode: 3 });
      expect(report).toMatchObject({ host: 'host-b', trigger: 'chain', data: up.data, upstream: { task: 'load', runId: up.runId, exitCode: 3, depth: 1 } });
      const seen = lines.filter((l) => l.runId === report.runId);
      expect(seen).toEqual([expect.objectContaining({ host: 'host-b', upstreamRun: up.runId, upstreamExit: '3' })]);
    }
  }, T(60_000));
});

describe('cluster: a queued chain run', () => {
  it('queued by one process and started by a host, gets its upstream from the database', async () => {
    const cluster = newCluster('chains_queued');
    const log = path.join(kit.tmpDir(), 'stamps.log');
    appendFileSync(log, '');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    await client.addTask('load', STAMP, target(log, { env: { STAMP_LOG: log, EXIT_CODE: '2' } }));
    await client.addTask('report', STAMP, target(log, { after: [{ task: 'load', on: 'end' }], concurrency: 1 }));
    // No host yet: the client runs both itself; a long report run holds report's only slot, so the chain run queues here.
    const blocker = await client.runTask('report', { env: { STAMP_MS: '60000' } });
    const load = await client.waitRun(await client.runTask('load', { data: 'up' }), { timeout: T(10_000) });
    const queued = await waitUntil(async () => (await client.listRuns({ task: 'report' })).find((r) => r.trigger === 'chain'), { what: 'the queued chain run' });
    expect(queued.status).toBe('queued');
    // A host comes up; the slot is freed: the host starts the queued chain run, with the upstream the client recorded.
    await startHost(cluster, 'host-a', LEASE_MS);
    await waitUntil(async () => (await client.listHosts()).some((h) => h.alive), { what: 'a live host' });
    await client.listTasks(); // the client's own view of the hosts, refreshed: it no longer drains its queue itself
    await client.cancelRun(blocker);
    const report = await client.waitRun(queued.runId, { timeout: T(30_000) });
    expect(report).toMatchObject({ host: 'host-a', trigger: 'chain', status: 'succeeded', data: 'up', upstream: { task: 'load', runId: load.runId, exitCode: 2, depth: 1 } });
    expect(stamps(log).filter((l) => l.runId === report.runId)).toEqual([expect.objectContaining({ host: 'host-a', upstreamRun: load.runId, upstreamExit: '2' })]);
    expect(eventRows(cluster).filter((row) => !row.endsWith(' note'))).toEqual([]); // its note is swept within a minute
  }, T(60_000));
});

/** A host with the label gpu, in this process (the kit's hosts take no labels). */
async function startHostWithLabels(cluster: string, host: string): Promise<{ stop(): Promise<void> }> {
  const ex = kit.open(kit.tmpDir(), { cluster, host, leaseTime: LEASE_MS, labels: { gpu: true } });
  const handle = ex.keepRestarting({ sleep: 1 });
  await handle.ready;
  return { stop: () => handle.stop() };
}
