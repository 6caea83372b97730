// Issue 17: the executor log is the cluster's. readLog and followLog on a client show what every host wrote (a start
// on host-a), not only the client's own lines; so does the dashboard's task page (its decisions).
import { describe, expect, it } from 'vitest';
import { taskDetail } from '../../src/ui/api.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);

describe('cluster: the executor log', () => {
  it("readLog and followLog on a client show another host's lines", async () => {
    const cluster = newCluster('log');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client' });
    await client.addTask('loop', fixture('loop.js'));
    const host = await startHost(cluster, 'host-a');
    const ac = new AbortController();
    const seen: string[] = [];
    const following = (async () => { for await (const line of client.followLog({ signal: ac.signal, pollMs: 50 })) seen.push(line); })();
    await host.start('loop'); // started by host-a itself: the line is written there
    await waitUntil(async () => (await client.readLog(50)).some((l) => /Starting loop/.test(l)), { what: "host-a's start line in the client's readLog", timeoutMs: T(5_000) });
    await waitUntil(() => seen.some((l) => /Starting loop/.test(l)), { what: "host-a's start line followed", timeoutMs: T(5_000) });
    ac.abort();
    await following;
    expect((await client.readLog(1)).length).toBe(1);
    // The dashboard's task page reads the task's decisions from the same log: host-a's start is one.
    const detail = await taskDetail(client, 'loop');
    expect(detail.decisions.map((d) => d.kind)).toContain('started');
    await client.stopTask('loop');
  }, T(30_000));
});
