// Issue 17, never two copies: a host claimed dead by another while its supervisor still runs (cut off from the
// database, or too slow to heartbeat, past leaseTime) learns it at its next heartbeat, refused, and stops its runs at
// once: they are taken over elsewhere. (Its supervisor then stops supervising, as a thawed one does.)
import { describe, expect, it } from 'vitest';
import { clusterUrl, fixture, useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);

describe('cluster: a live host claimed dead', () => {
  it('stops its runs within a second of the claim, and stops supervising', async () => {
    const cluster = newCluster('claimed');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: 1000 });
    await client.addTask('loop', fixture('loop.js'));
    const a = await startHost(cluster, 'host-a');
    const { pid } = await a.start('loop') as { pid: number };
    expect(pidAlive(pid)).toBe(true);
    // What another host's pass does when it finds host-a dead: the host's token moves on (hosts.ts claimDeadHosts).
    const schema = new URL(cluster).searchParams.get('schema')!;
    const claimedAt = Date.now();
    expect(psql(clusterUrl()!, `UPDATE "${schema}".hosts SET down_at = now(), token = token + 1 WHERE host = 'host-a' RETURNING host`)).toMatch(/^host-a/);
    await waitUntil(() => !pidAlive(pid), { what: 'host-a to stop its run', timeoutMs: T(3_000) });
    expect(Date.now() - claimedAt).toBeLessThan(T(1_500));
    const lost = await a.next('lost');
    expect(String(lost.lost)).toMatch(/claimed host "host-a" dead/);
  }, T(60_000));
});
