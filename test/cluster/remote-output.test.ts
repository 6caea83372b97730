// Issue 17, output across hosts: a run's output stays on its host. readOut from another host asks that host (a
// live run), or reads the last 64 KiB kept in the run's row (a finished run, even once its host is gone); with its
// host down and nothing kept, HostUnreachableError (ERR_HOST_UNREACHABLE) names the host.
import { describe, expect, it } from 'vitest';
import { HostUnreachableError } from '../../src/index.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);

describe('cluster: output across hosts', () => {
  it('reads a live run from its host, a finished one from the cluster after its host died, and names a dead host', async () => {
    const cluster = newCluster('output');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: 1000 });
    await client.addTask('hello', fixture('hello.sh'), { interpreter: 'sh', infiniteLoop: false });
    await client.addTask('loop', fixture('loop.js'));
    const a = await startHost(cluster, 'host-a');
    await a.start('hello');
    await client.waitFor('hello', 'succeeded', { timeout: T(10_000) });
    await a.start('loop');
    const live = await waitUntil(async () => {
      const lines = await client.readOut('loop', 3);
      return lines.length === 3 && lines.every((l) => /^line \d+$/.test(l)) && lines;
    }, { what: 'the live run\'s lines, asked of host-a', timeoutMs: T(10_000) });
    expect(live).toHaveLength(3);
    const [loopRun] = await client.listRuns({ task: 'loop' });
    a.child.kill('SIGKILL');
    await waitUntil(async () => !(await client.listHosts()).find((h) => h.host === 'host-a')!.alive, { what: 'host-a to be dead', timeoutMs: T(5_000) });
    expect((await client.readOut('hello', 10)).join('\n')).toMatch(/hello/); // kept in the cluster
    const error = await client.readOut('loop', 3, { run: loopRun!.runId }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(HostUnreachableError);
    expect(error).toMatchObject({ code: 'ERR_HOST_UNREACHABLE', host: 'host-a' });
    expect((error as Error).message).toMatch(/host-a/);
  });
});
