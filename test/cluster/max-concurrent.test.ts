// Issue 17: `maxConcurrent` holds across the cluster. A reservation is taken under the cluster's gate lock over the
// table read fresh, so a process whose cached view missed another host's runs does not start one more.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster } from './kit.js';

const kit = useExecutors();

const live = async (ex: Executor): Promise<string[]> => (await ex.listTasks()).filter((r) => r.status === 'running').map((r) => r.name);

describe('cluster: maxConcurrent across hosts', () => {
  it('a host with a stale view of the table queues the run that would go past the limit, and starts it once a slot is free', async () => {
    const cluster = newCluster('maxconc');
    const a = kit.open(kit.tmpDir(), { cluster, host: 'host-a', maxConcurrent: 2 });
    const b = kit.open(kit.tmpDir(), { cluster, host: 'host-b', maxConcurrent: 2 });
    const done = path.join(kit.tmpDir(), 'done');
    for (const name of ['w1', 'w2', 'w3']) await a.addTask(name, fixture('wait-file.js'), { infiniteLoop: false, env: { DONE_FILE: done } });
    expect(await live(a)).toEqual([]); // host-a's view of the table is now cached
    await b.runTask('w1');
    await b.runTask('w2');
    const queuedId = await a.runTask('w3');
    expect(await live(b)).toEqual(['w1', 'w2']);
    const [row] = (await a.listTasks()).filter((r) => r.name === 'w3');
    expect(row!.status).not.toBe('running');
    expect((await a.listRuns({ task: 'w3' })).map((r) => [r.runId, r.status])).toEqual([[queuedId, 'queued']]);
    await b.stopTask('w1');
    // The queued run starts at host-a's next pass, now that a slot is free in the cluster.
    await waitUntil(async () => { await a.tick(); return (await live(a)).includes('w3'); }, { what: 'w3 to start', timeoutMs: 10_000, intervalMs: 100 });
    expect((await live(a)).sort()).toEqual(['w2', 'w3']);
    expect((await a.listRuns({ task: 'w3' })).map((r) => [r.runId, r.status])).toEqual([[queuedId, 'running']]);
    // The runs end by themselves, each closed by the Executor that started it.
    writeFileSync(done, '');
    await waitUntil(async () => { await Promise.all([a.tick(), b.tick()]); return (await live(a)).length === 0; }, { what: 'the runs to end', timeoutMs: 10_000, intervalMs: 100 });
  });
});
