// Issue 17, never two copies: a detached watchdog (its supervisor stopped cleanly, the host's runs left running)
// heartbeats as often as a supervisor does (a quarter of a short leaseTime), and when another host claims the host
// dead all the same, it stops the host's runs before it exits (they are taken over there). A host registered again by
// a new supervisor is left alone (its runs are the new supervisor's).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Db } from '../../src/cluster/db.js';
import { registerHost } from '../../src/cluster/hosts.js';
import { checkClusterOptions } from '../../src/cluster/options.js';
import { migrate } from '../../src/cluster/schema.js';
import { holdDetached } from '../../src/cluster/watchdog.js';
import { clusterUrl } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { newCluster } from './kit.js';

const dbs: Db[] = [];
const pids: number[] = [];
afterEach(async () => {
  for (const pid of pids.splice(0)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const db of dbs.splice(0)) await db.end();
});

// A process marked as a run of `host` (the marker the watchdog looks for).
function hostRun(executorId: string, host: string): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { env: { ...process.env, EXECUTOR_ID: executorId, EXECUTOR_HOST: host }, stdio: 'ignore', detached: true });
  child.unref();
  pids.push(child.pid!);
  return child.pid!;
}

async function setUp(tag: string): Promise<{ db: Db; config: ReturnType<typeof checkClusterOptions> & object; schema: string; token: string }> {
  const cluster = newCluster(tag);
  const config = checkClusterOptions({ cluster, host: 'host-a', leaseTime: 1000 })!;
  const db = new Db(config);
  dbs.push(db);
  await migrate(db);
  const token = await registerHost(db, { host: 'host-a', pid: process.pid, capacity: null, labels: {} });
  return { db, config, schema: config.schema, token };
}

describe('cluster: a detached watchdog', () => {
  it('beats every quarter of a 1 s leaseTime, and stops the host\'s runs once the host is claimed dead', async () => {
    const { config, schema, token } = await setUp('wdclaim');
    const executorId = randomUUID().slice(0, 8);
    const pid = hostRun(executorId, 'host-a');
    await waitUntil(() => pidAlive(pid), { what: 'the run to start', timeoutMs: T(3_000) });
    const held = holdDetached({ executorId, cluster: config, token, killTimeoutMs: 1000 });
    // Its heartbeats over two seconds (a measurement, not a deadline): about 8 at 250 ms; 2 at the old 1 s.
    const beats = new Set<string>();
    const from = Date.now();
    await waitUntil(() => {
      beats.add(psql(clusterUrl()!, `SELECT heartbeat_at FROM "${schema}".hosts WHERE host = 'host-a'`));
      return Date.now() - from >= 2_000;
    }, { what: 'two seconds of heartbeats', timeoutMs: T(10_000), intervalMs: 25 });
    expect(beats.size).toBeGreaterThanOrEqual(4);
    psql(clusterUrl()!, `UPDATE "${schema}".hosts SET down_at = now(), token = token + 1 WHERE host = 'host-a'`);
    expect(await held).toBe('replaced');
    expect(pidAlive(pid)).toBe(false);
  });

  it('leaves the runs alone when a new supervisor registered the host', async () => {
    const { db, config, token } = await setUp('wdrereg');
    const executorId = randomUUID().slice(0, 8);
    const pid = hostRun(executorId, 'host-a');
    await waitUntil(() => pidAlive(pid), { what: 'the run to start', timeoutMs: T(3_000) });
    const held = holdDetached({ executorId, cluster: config, token, killTimeoutMs: 1000 });
    await registerHost(db, { host: 'host-a', pid: process.pid + 1, capacity: null, labels: {} });
    expect(await held).toBe('replaced');
    expect(pidAlive(pid)).toBe(true);
  });
});
