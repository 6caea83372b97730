// Issue 17, manual runs (fault test 4): `runTask` from a client that does not supervise queues the runs for the
// supervising hosts, which claim them under the task's lock: each runs exactly once, and each host's `capacity` holds.
// `startTask` from such a client is handed to a host and waited for, as a folder's start is.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const STAMP = fileURLToPath(new URL('../fixtures/cluster/stamp-once.js', import.meta.url));
const HOSTS = ['host-a', 'host-b', 'host-c'];
const CAPACITY = 3;
const RUNS = 200;
const LEASE_MS = 5000; // a loaded machine (3 hosts and a client on 2 cores) may miss a 1 s heartbeat

interface Stamp { host: string; runId: string; what: string; at: number }
const stampsOf = (file: string): Stamp[] => readFileSync(file, 'utf8').trim().split('\n').map((line) => {
  const [host, runId, , what, at] = line.split(' ');
  return { host: host!, runId: runId!, what: what!, at: Number(at) };
});

// The most runs of `host` that were between their start and end stamps at one moment.
function mostAtOnce(stamps: Stamp[], host: string): number {
  const edges = stamps.filter((s) => s.host === host).map((s) => [s.at, s.what === 'start' ? 1 : -1] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0, most = 0;
  for (const [, d] of edges) { now += d; most = Math.max(most, now); }
  return most;
}

describe('cluster: runs asked by a client', () => {
  it(`runs ${RUNS} runTask calls from a client once each, on the hosts, within each host's capacity`, async () => {
    const cluster = newCluster('queue');
    await Promise.all(HOSTS.map((h) => startHost(cluster, h, LEASE_MS, { capacity: CAPACITY })));
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client' });
    const log = path.join(kit.tmpDir(), 'stamps.log');
    await client.addTask('job', STAMP, { env: { STAMP_LOG: log, STAMP_MS: 200 }, keepRuns: 1000 });
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) ids.push(await client.runTask('job'));
    expect(new Set(ids).size).toBe(RUNS);
    const queuedMs = Date.now() - t0;
    const runs = await Promise.all(ids.map((id) => client.waitRun(id, { timeout: T(120_000) })));
    console.log(JSON.stringify({ queuedMs, doneMs: Date.now() - t0 }));
    expect(runs.filter((r) => !(r.exitCode === 0 && HOSTS.includes(r.host!)))).toEqual([]);
    const stamps = stampsOf(log);
    const starts = stamps.filter((s) => s.what === 'start');
    expect(starts.length).toBe(RUNS); // none ran twice
    expect(new Set(starts.map((s) => s.runId))).toEqual(new Set(ids));
    for (const run of runs) expect(starts.find((s) => s.runId === run.runId)!.host).toBe(run.host);
    for (const host of HOSTS) expect(mostAtOnce(stamps, host)).toBeLessThanOrEqual(CAPACITY);
    expect(new Set(runs.map((r) => r.host)).size).toBeGreaterThan(1); // more than one host took runs
  }, T(180_000));

  it('a handed run no host may take yet is queued for listRuns and getRun; cancelRun drops it, and it never runs', async () => {
    const cluster = newCluster('handedq');
    await startHost(cluster, 'host-a');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client' });
    const log = path.join(kit.tmpDir(), 'stamps.log');
    await client.addTask('pinned', STAMP, { env: { STAMP_LOG: log }, hosts: ['later'] });
    const runId = await client.runTask('pinned');
    expect((await client.listRuns({ task: 'pinned' })).map((r) => [r.runId, r.status])).toEqual([[runId, 'queued']]);
    expect(await client.getRun(runId)).toMatchObject({ runId, status: 'queued', task: 'pinned' });
    expect(await client.cancelRun(runId)).toMatchObject({ runId, status: 'cancelled' });
    expect((await client.listRuns({ task: 'pinned' })).map((r) => [r.runId, r.status])).toEqual([[runId, 'cancelled']]);
    await startHost(cluster, 'later');
    await expect(client.waitRun(runId, { timeout: T(5_000) })).resolves.toMatchObject({ status: 'cancelled' });
    expect(() => readFileSync(log, 'utf8')).toThrow(); // it never ran
  }, T(60_000));

  it('hands a start to a host and waits for it: started, with the pid, on that host', async () => {
    const cluster = newCluster('handover');
    await startHost(cluster, 'host-a');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client' });
    await client.addTask('loop', fixture('loop.js'));
    const started = await client.startTask('loop');
    expect(started).toMatchObject({ name: 'loop', result: 'started' });
    expect(started.pid).toBeGreaterThan(0);
    const [row] = await client.listTasks();
    expect(row).toMatchObject({ status: 'running', pid: started.pid });
    expect((await client.listRuns({ task: 'loop' }))[0]!.host).toBe('host-a');
    expect(await client.startTask('loop')).toMatchObject({ result: 'already running', pid: started.pid });
    await client.stopTask('loop');
    await waitUntil(async () => (await client.listTasks())[0]!.status !== 'running', { what: 'loop to stop', timeoutMs: T(5_000) });
  }, T(60_000));
});
