// Issue 17: `dependsOn` holds across hosts. A dependent starts on any host once its dependency is ready on another,
// and a dependency's `line` check (its output is on its own host) is answered by the host that runs it.
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const node = (code: string) => ({ script: process.execPath, args: ['-e', code] });
// Prints its line after 1.5 s (and the time it did), then stays up.
const DB = node(`setTimeout(() => console.log('listening at', Date.now()), 1500); setInterval(() => {}, 1000)`);

describe('cluster: dependencies across hosts', () => {
  it('starts a dependent on host-b once its dependency on host-a printed its ready line there', async () => {
    const cluster = newCluster('deps');
    await Promise.all([startHost(cluster, 'host-a', 2000), startHost(cluster, 'host-b', 2000)]);
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client' });
    await client.addTask('db', { ...DB, hosts: ['host-a'], ready: { line: 'listening' } });
    await client.addTask('api', { ...node('setInterval(() => {}, 1000)'), hosts: ['host-b'], dependsOn: ['db'] });
    const started = await client.startTask('api'); // db first (handed to host-a), then api (handed to host-b)
    expect(started.result).toMatch(/started|queued/);
    const api = await waitUntil(async () => (await client.listRuns({ task: 'api' })).find((r) => r.endedAt === null && r.pid !== null), { what: 'api to run', timeoutMs: T(20_000) });
    const [db] = await client.listRuns({ task: 'db' });
    expect([db!.host, api.host]).toEqual(['host-a', 'host-b']);
    const [line] = await client.readOut('db', 1); // read from host-a
    const readyAt = Number(/listening at (\d+)/.exec(line!)![1]);
    expect(Date.parse(api.startedAt!)).toBeGreaterThanOrEqual(readyAt);
    await client.stopAll();
  }, T(60_000));
});
