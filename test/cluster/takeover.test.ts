// Issue 17, never two copies: a host's runs do not outlive its supervisor (its watchdog stops them when the
// supervisor is killed), and another host takes a dead host's long-running tasks over within leaseTime + 5 s.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const LEASE_MS = 1000;

// Alive and not a zombie (a frozen supervisor cannot reap the shims its watchdog stopped).
function alive(pid: number): boolean {
  try { return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z'; } catch { return false; }
}

describe('cluster: a killed supervisor', () => {
  it('its watchdog stops its runs, and a live host takes the task over within leaseTime + 5 s', async () => {
    const cluster = newCluster('takeover');
    const b = kit.open(kit.tmpDir(), { cluster, host: 'host-b', leaseTime: LEASE_MS, alert: { on: ['host-down'] } });
    const seen: unknown[] = [];
    b.on('takeover', (e) => seen.push(['takeover', e]));
    b.on('hostdown', (e) => seen.push(['hostdown', e.host]));
    b.on('alert', (e) => seen.push(['alert', e.kind, e.name]));
    await b.addTask('loop', fixture('loop.js'));
    const a = await startHost(cluster, 'host-a', LEASE_MS);
    const started = await a.start('loop');
    const oldPid = started.pid as number;
    const handle = b.keepRestarting({ sleep: 1 });
    await handle.ready;
    const t0 = Date.now();
    a.child.kill('SIGKILL');
    await waitUntil(() => !alive(oldPid), { what: 'host-a\'s run to be stopped by its watchdog', timeoutMs: T(3_000) });
    const row = await waitUntil(async () => {
      const [r] = await b.listTasks();
      return r!.status === 'running' && r!.pid !== oldPid && (r!.pid ?? 0) > 0 && r;
    }, { what: 'host-b to run the task', timeoutMs: T(LEASE_MS + 5_000) });
    expect(Date.now() - t0).toBeLessThan(T(LEASE_MS + 5_000));
    const runs = await b.listRuns({ task: 'loop' });
    expect(runs.map((r) => [r.host, r.exitUnknown])).toEqual([['host-b', false], ['host-a', true]]);
    expect(alive(row.pid!)).toBe(true);
    await waitUntil(() => seen.length >= 3, { what: 'hostdown, its alert and takeover', timeoutMs: T(5_000) });
    // In either order: the dead run may be closed (and the task started again) before the host is claimed.
    expect(seen).toHaveLength(3);
    expect(seen).toEqual(expect.arrayContaining([['hostdown', 'host-a'], ['alert', 'host-down', 'host-a'], ['takeover', { name: 'loop', fromHost: 'host-a', toHost: 'host-b' }]]));
    await handle.stop();
  });
});

describe('cluster: a supervisor stopped cleanly', () => {
  it('leaves its runs running, its host held alive by its watchdog, until they end; then the host is retired', async () => {
    const cluster = newCluster('detach');
    const b = kit.open(kit.tmpDir(), { cluster, host: 'host-b', leaseTime: LEASE_MS });
    await b.addTask('loop', fixture('loop.js'));
    const handle = b.keepRestarting({ sleep: 1 });
    await handle.ready;
    const { pid } = await b.startTask('loop');
    await handle.stop();
    const stoppedAt = Date.now();
    // Past leaseTime, the watchdog still heartbeats for the host, so nobody takes the run over.
    await waitUntil(async () => Date.parse((await b.listHosts())[0]!.heartbeatAt) > stoppedAt + LEASE_MS, { what: 'a heartbeat past leaseTime', timeoutMs: T(5_000) });
    expect(alive(pid!)).toBe(true);
    expect(await b.listHosts()).toMatchObject([{ host: 'host-b', alive: true, tasks: ['loop'] }]);
    await b.stopTask('loop');
    await waitUntil(async () => (await b.listHosts())[0]!.alive === false, { what: 'host-b to be retired', timeoutMs: T(5_000) });
  });
});

describe('cluster: a frozen supervisor', () => {
  it('SIGSTOP past leaseTime: its watchdog stops its run, another host takes it over, and once thawed it stops supervising (the host is lost)', async () => {
    const cluster = newCluster('freeze');
    const b = kit.open(kit.tmpDir(), { cluster, host: 'host-b', leaseTime: LEASE_MS });
    await b.addTask('loop', fixture('loop.js'));
    const a = await startHost(cluster, 'host-a', LEASE_MS);
    const oldPid = (await a.start('loop')).pid as number;
    const handle = b.keepRestarting({ sleep: 1 });
    await handle.ready;
    a.child.kill('SIGSTOP');
    try {
      await waitUntil(() => !alive(oldPid), { what: 'the frozen host\'s run to be stopped by its watchdog', timeoutMs: T(LEASE_MS + 3_000) });
      const row = await waitUntil(async () => {
        const [r] = await b.listTasks();
        return r!.status === 'running' && r!.pid !== oldPid && (r!.pid ?? 0) > 0 && r;
      }, { what: 'host-b to run the task', timeoutMs: T(LEASE_MS + 5_000) });
      expect((await b.listRuns({ task: 'loop' }))[0]!.host).toBe('host-b');
      a.child.kill('SIGCONT');
      const lost = await a.next('lost'); // its heartbeat is refused: another host claimed it
      expect(String(lost.lost)).toMatch(/host-a/);
      // One copy only, on host-b, after the thaw as before.
      expect((await b.listTasks())[0]).toMatchObject({ status: 'running', pid: row.pid });
      await waitUntil(async () => !(await b.listHosts()).find((h) => h.host === 'host-a')!.alive, { what: 'host-a to stay down', timeoutMs: T(3_000) });
    } finally {
      a.child.kill('SIGCONT');
    }
    await handle.stop();
  });
});
