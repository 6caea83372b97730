// Issue 17, control from anywhere: the wake-ups. A NOTIFY on the cluster's channel reaches the hosts' LISTEN
// connection (re-established after a loss), and wakes a supervising host at once: a stop asked by a client, or a
// request for a live run's output, is acted on without waiting for the host's next poll (a second apart).
import { afterEach, describe, expect, it } from 'vitest';
import { Db, POOL_SIZE } from '../../src/cluster/db.js';
import { checkClusterOptions } from '../../src/cluster/options.js';
import { notifyWake, wakeChannel } from '../../src/cluster/wake.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster } from './kit.js';

const kit = useExecutors();
const dbs: Db[] = [];
afterEach(async () => { for (const db of dbs.splice(0)) await db.end(); });

function openDb(cluster: string, host: string): Db {
  const db = new Db(checkClusterOptions({ cluster, host })!);
  dbs.push(db);
  return db;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('cluster: LISTEN', () => {
  it('hears a NOTIFY from another connection, hears again after its connection is cut (told null), and stops on unlisten', async () => {
    const cluster = newCluster('listen');
    const host = `listen-${process.pid}`;
    const listener = openDb(cluster, host);
    const sender = openDb(cluster, 'sender');
    const heard: (string | null)[] = [];
    const channel = wakeChannel(listener.config.schema);
    const unlisten = await listener.listen(channel, (payload) => heard.push(payload));
    expect(listener.listening).toBe(true);
    await notifyWake(sender, 'control');
    await waitUntil(() => heard.includes('control'), { what: 'the notification', timeoutMs: T(3_000) });
    // The server ends the LISTEN session (as a restart does): the Db opens another and says so.
    const url = cluster.replace(/\?.*$/, '');
    expect(psql(url, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'executor-sdk ${host} %'`)).toBe('1');
    await waitUntil(() => heard.includes(null) && listener.listening, { what: 'the LISTEN connection to come back', timeoutMs: T(5_000) });
    await notifyWake(sender, 'queue');
    await waitUntil(() => heard.includes('queue'), { what: 'a notification after the reconnection', timeoutMs: T(3_000) });
    await unlisten();
    expect(listener.listening).toBe(false);
    expect(psql(url, `SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'executor-sdk ${host} %'`)).toBe('0');
    expect(POOL_SIZE).toBe(5);
  });
});

describe('cluster: a supervising host woken by NOTIFY', () => {
  it('a client\'s stopTask of another host\'s run is carried out at once, not at the host\'s next poll (1 s apart)', async () => {
    const cluster = newCluster('wakestop');
    const a = kit.open(kit.tmpDir(), { cluster, host: 'host-a', leaseTime: 2000 });
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: 2000 });
    await a.addTask('loop', fixture('loop.js'));
    const handle = a.keepRestarting({ sleep: 60 });
    await handle.ready;
    const took: number[] = [];
    for (let round = 0; round < 5; round++) {
      const { pid } = await a.startTask('loop');
      expect(pid).not.toBeNull();
      await waitUntil(async () => (await client.listTasks())[0]!.status === 'running', { what: 'the client to see the run', timeoutMs: T(3_000) });
      const t0 = performance.now();
      expect(await client.stopTask('loop')).toMatchObject({ result: 'stopped', pid });
      took.push(performance.now() - t0);
    }
    // Polled only, a stop waits for the host's next pass: 500 ms on average, plus the stop itself.
    expect(median(took)).toBeLessThan(T(400));
    await handle.stop();
  });

  it('a request for a live run\'s output is answered at once (the host polls for requests only once a second)', async () => {
    const cluster = newCluster('wakeread');
    const a = kit.open(kit.tmpDir(), { cluster, host: 'host-a', leaseTime: 2000 });
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: 2000 });
    await a.addTask('loop', fixture('loop.js'));
    const handle = a.keepRestarting({ sleep: 60 });
    await handle.ready;
    await a.startTask('loop');
    await waitUntil(async () => (await a.readOut('loop', 1)).some((l) => /^line \d+$/.test(l)), { what: 'the run\'s first line', timeoutMs: T(3_000) });
    const took: number[] = [];
    for (let round = 0; round < 5; round++) {
      const t0 = performance.now();
      expect((await client.readOut('loop', 1))[0]).toMatch(/^line \d+$/);
      took.push(performance.now() - t0);
    }
    expect(median(took)).toBeLessThan(T(300));
    await a.stopTask('loop');
    await handle.stop();
  });
});
