// Issue 17, placement: a task's `hosts` and `labels` say where it may run; a start asked elsewhere is handed to a
// host that may run it (the least loaded), and with no live host matching, the task waits and says why.
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/index.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster } from './kit.js';

const kit = useExecutors();

describe('cluster: placement', () => {
  it('runs a task only on a host with its labels; with no live host matching, it waits, saying why', async () => {
    const cluster = newCluster('place');
    const a = kit.open(kit.tmpDir(), { cluster, host: 'host-a', leaseTime: 1000 });
    const b = kit.open(kit.tmpDir(), { cluster, host: 'host-b', leaseTime: 1000, labels: { gpu: true } });
    const handles = [a.keepRestarting({ sleep: 1 }), b.keepRestarting({ sleep: 1 })];
    await Promise.all(handles.map((h) => h.ready));
    await a.addTask('train', fixture('loop.js'), { labels: { gpu: true } });
    await a.addTask('pinned', fixture('loop.js'), { hosts: ['host-c'] });
    // Handed to host-b (the one with the label), and waited for: started there, with its pid.
    const started = await a.startTask('train');
    expect(started).toMatchObject({ name: 'train', result: 'started' });
    const row = await waitUntil(async () => (await a.listTasks()).find((r) => r.name === 'train' && r.status === 'running'), { what: 'train to run', timeoutMs: T(5_000) });
    expect(row.pid).toBe(started.pid);
    expect((await a.listRuns({ task: 'train' }))[0]!.host).toBe('host-b');
    expect((await a.listHosts()).map((h) => [h.host, h.tasks])).toEqual([['host-a', []], ['host-b', ['train']]]);
    expect(await a.startTask('pinned')).toMatchObject({ result: 'queued' });
    const waiting = (await a.listTasks()).find((r) => r.name === 'pinned')!;
    expect(waiting).toMatchObject({ status: 'waiting', waiting: 'no live host matches' });
    await a.stopAll();
    for (const h of handles) await h.stop();
  });

  it('refuses bad hosts and labels, writing nothing', async () => {
    const { ex } = kit.make();
    await expect(ex.addTask('x', fixture('loop.js'), { hosts: [] })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(ex.addTask('x', fixture('loop.js'), { hosts: ['bad host'] })).rejects.toThrow(/`hosts\[0\]`/);
    await expect(ex.addTask('x', fixture('loop.js'), { labels: { gpu: [1] } as never })).rejects.toThrow(/`labels.gpu`/);
    expect(await ex.listTasks()).toEqual([]);
  });
});
