// Issue 17: hosts. Each supervisor registers its host and heartbeats every second; listHosts() and `executor hosts`
// show { host, pid, startedAt, heartbeatAt, alive, capacity, labels, tasks }; a host is dead after `leaseTime`
// without a heartbeat (a supervisor killed with SIGKILL), or at once when its supervisor stops cleanly.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Executor } from '../../src/index.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const clusterOf = (): string => newCluster('hosts');

describe('cluster: hosts', () => {
  it('lists every supervising host with its capacity, labels and tasks; a clean stop makes it not alive at once', async () => {
    const cluster = clusterOf();
    const a = kit.open(path.join(kit.tmpDir(), 'a'), { cluster, host: 'host-a', capacity: 4, labels: { gpu: true, zone: 'eu' }, leaseTime: '2 sec' });
    const b = kit.open(path.join(kit.tmpDir(), 'b'), { cluster, host: 'host-b' });
    const ha = a.keepRestarting({ sleep: 1 });
    const hb = b.keepRestarting({ sleep: 1 });
    await Promise.all([ha.ready, hb.ready]);
    await a.addTask('loop', fixture('loop.js'));
    await a.startTask('loop');
    const rows = await b.listHosts();
    expect(rows.map((r) => [r.host, r.alive, r.tasks])).toEqual([['host-a', true, ['loop']], ['host-b', true, []]]);
    expect(rows[0]).toMatchObject({ pid: process.pid, capacity: 4, labels: { gpu: true, zone: 'eu' } });
    expect(rows[1]).toMatchObject({ capacity: null, labels: {} });
    expect(Date.parse(rows[0]!.heartbeatAt)).toBeGreaterThanOrEqual(Date.parse(rows[0]!.startedAt));
    const [run] = await a.listRuns({ task: 'loop' });
    expect(run!.host).toBe('host-a');
    await hb.stop();
    expect((await a.listHosts()).find((r) => r.host === 'host-b')!.alive).toBe(false);
    await a.stopTask('loop');
    await ha.stop();
  });

  it('getSupervisor() and TaskRow.supervisor, from a client on another host, name a live supervising host', async () => {
    const cluster = clusterOf();
    const client = kit.open(path.join(kit.tmpDir(), 'client'), { cluster, host: 'client' });
    await client.addTask('loop', fixture('loop.js'));
    expect(await client.getSupervisor()).toBeNull();
    const host = await startHost(cluster, 'host-a');
    const info = await waitUntil(() => client.getSupervisor(), { what: 'a supervisor', timeoutMs: T(5_000) });
    expect(info).toMatchObject({ pid: host.child.pid, hostname: 'host-a' });
    expect((await client.listTasks())[0]!.supervisor).toMatchObject({ hostname: 'host-a' });
  });

  it('a host is judged by its own leaseTime: a client with the default 10 s sees a killed 1 s host dead within about 1 s', async () => {
    const cluster = clusterOf();
    const client = kit.open(path.join(kit.tmpDir(), 'client'), { cluster, host: 'client' }); // leaseTime: the default 10 s
    const host = await startHost(cluster, 'short', 1000);
    await waitUntil(async () => (await client.listHosts()).some((h) => h.host === 'short' && h.alive), { what: 'the host alive', timeoutMs: T(5_000) });
    const killedAt = Date.now();
    host.child.kill('SIGKILL');
    await waitUntil(async () => (await client.listHosts()).some((h) => h.host === 'short' && !h.alive), { what: 'the host dead', timeoutMs: T(5_000) });
    expect(Date.now() - killedAt).toBeLessThan(T(5_000)); // not the client's 10 s
  });

  it('a supervisor killed with SIGKILL stops heartbeating: its host is dead after leaseTime', async () => {
    const cluster = clusterOf();
    const { child } = await startHost(cluster, 'doomed');
    const ex = kit.open(kit.tmpDir(), { cluster, host: 'watcher', leaseTime: 1000 });
    const before = await ex.listHosts();
    expect(before).toMatchObject([{ host: 'doomed', alive: true, pid: child.pid }]);
    const beat = before[0]!.heartbeatAt;
    await waitUntil(async () => (await ex.listHosts())[0]!.heartbeatAt !== beat, { what: 'a second heartbeat', timeoutMs: T(5_000) });
    child.kill('SIGKILL');
    const dead = await waitUntil(async () => (await ex.listHosts()).find((r) => !r.alive), { what: 'the host to be dead', timeoutMs: T(5_000) });
    expect(dead.host).toBe('doomed');
  });

  it('is empty for a folder', async () => {
    const ex = new Executor(kit.tmpDir()); // not through kit.open, which adds the test cluster
    expect(await ex.listHosts()).toEqual([]);
    await ex.close();
  });
});
