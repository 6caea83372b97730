// Issue 17, control from anywhere: a run lives on the host that started it; another host (or a client with only the
// URL) sees it running while that host is alive, and stopTask / cancelRun from there are carried out by its host.
import { describe, expect, it } from 'vitest';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);

describe('cluster: control from anywhere', () => {
  it('a client sees another host\'s run as running, and its stopTask is carried out by that host within about a second', async () => {
    const cluster = newCluster('control');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: 1000 });
    await client.addTask('loop', fixture('loop.js'));
    const a = await startHost(cluster, 'host-a');
    const started = await a.start('loop');
    expect(started).toMatchObject({ name: 'loop', result: 'started' });
    const pid = started.pid as number;
    const row = (await client.listTasks())[0]!;
    expect(row).toMatchObject({ name: 'loop', status: 'running', pid });
    const [run] = await client.listRuns({ task: 'loop' });
    expect(run!.host).toBe('host-a');
    const t0 = Date.now();
    const stopped = await client.stopTask('loop');
    expect(stopped).toMatchObject({ name: 'loop', result: 'stopped' });
    expect(Date.now() - t0).toBeLessThan(T(4_000));
    await waitUntil(() => !isProcessAlive(pid), { what: 'the run\'s process to be gone', timeoutMs: T(5_000) });
    expect((await client.listTasks())[0]).toMatchObject({ status: 'stopped', pid: null });
    const [ended] = await client.listRuns({ task: 'loop' });
    expect(ended).toMatchObject({ host: 'host-a', stopped: true, exitUnknown: false });
  });

  it('cancelRun from a client cancels another host\'s run', async () => {
    const cluster = newCluster('cancel');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: 1000 });
    await client.addTask('loop', fixture('loop.js'), { infiniteLoop: false });
    const a = await startHost(cluster, 'host-a');
    await a.start('loop');
    const [run] = await client.listRuns({ task: 'loop' });
    const cancelled = await client.cancelRun(run!.runId);
    expect(cancelled).toMatchObject({ runId: run!.runId, host: 'host-a', killedFor: 'cancel' });
    expect(isProcessAlive(run!.pid)).toBe(false);
  });
});

function isProcessAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}
