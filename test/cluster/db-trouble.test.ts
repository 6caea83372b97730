// Issue 17, the database failed every host at once (a crash recovery, a restart that keeps the server's start time):
// every session ended, and the hosts' heartbeats are older than leaseTime when it answers again. A host that saw its
// connections fail claims nobody dead, and takes nobody's runs for dead, until the others have had a leaseTime to
// heartbeat again: no host is lost, and the run goes on, one copy.
import { describe, expect, it } from 'vitest';
import { clusterUrl, fixture, useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const LEASE_MS = 1000;

describe('cluster: every session ended, heartbeats stale', () => {
  it('no host is claimed dead and the run is not taken over', async () => {
    const cluster = newCluster('trouble');
    const schema = new URL(cluster).searchParams.get('schema')!;
    const names = [`ta${process.pid}`, `tb${process.pid}`]; // unique: their sessions are ended by name
    const client = kit.open(kit.tmpDir(), { cluster, host: `tc${process.pid}`, leaseTime: LEASE_MS });
    await client.addTask('loop', fixture('loop.js'));
    const [a, b] = await Promise.all(names.map((name) => startHost(cluster, name, LEASE_MS)));
    const { pid } = await a!.start('loop') as { pid: number };
    // As after a crash recovery: every session of both hosts ends, and their last heartbeats are an hour old.
    const apps = names.map((n) => `application_name LIKE 'executor-sdk ${n} %'`).join(' OR ');
    psql(clusterUrl()!, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE ${apps}`);
    psql(clusterUrl()!, `UPDATE "${schema}".hosts SET heartbeat_at = now() - interval '1 hour' WHERE host IN ('${names.join("', '")}')`);
    const from = Date.now();
    await waitUntil(() => Date.now() - from >= 3 * LEASE_MS, { what: 'three lease times', timeoutMs: T(10_000), intervalMs: 100 });
    for (const host of [a!, b!]) expect(host.lines.filter((l) => 'lost' in l)).toEqual([]);
    expect((await client.listHosts()).filter((h) => names.includes(h.host)).map((h) => [h.host, h.alive])).toEqual(names.map((n) => [n, true]));
    expect(pidAlive(pid)).toBe(true);
    expect((await client.listTasks())[0]).toMatchObject({ status: 'running', pid });
    expect((await client.listRuns({ task: 'loop' })).map((r) => r.host)).toEqual([names[0]]);
  }, T(60_000));
});
