// Cluster mode: a supervising pass claims the hosts that died (once in the cluster per death), ends their database
// sessions (a lock held by a frozen supervisor is let go), says so in the log, emits `hostdown` and raises the
// `host-down` alert; the dead host's runs are then closed and taken over by the pass.
import { raiseAlerts } from '../run/alerts.js';
import type { Runtime } from '../runtime.js';
import { appName } from './db-parts.js';
import { claimDeadHosts } from './hosts.js';
import { releaseJobs } from './jobs.js';
import { clusterOf } from './pg-store.js';

/**
 * Claims and announces the hosts found dead since the last pass (see the file comment); resolves with their names.
 * A database failure is left to the next pass.
 * @example `if ((await noticeDeadHosts(rt)).length > 0) await rt.hosts?.refresh(true);`
 */
export async function noticeDeadHosts(rt: Runtime): Promise<string[]> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return [];
  const dead = await claimDeadHosts(cluster.db, cluster.db.config.leaseTimeMs).catch(() => []);
  for (const { host, pid, heartbeatAt } of dead) {
    // Its supervisor's database sessions end too: a frozen supervisor cannot keep a task lock (or write) once it thaws.
    await cluster.db.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [appName(host, pid)]).catch(() => undefined);
    await releaseJobs(cluster.db, host).catch(() => undefined); // runs it claimed and had not taken in: for the live hosts
    const reason = `host ${host} is down: no heartbeat since ${heartbeatAt} (leaseTime ${cluster.db.config.leaseTimeMs} ms)`;
    rt.log(`Host ${host} is down (last heartbeat ${heartbeatAt}); its runs are taken over`);
    rt.emitter.emit('hostdown', { host, heartbeatAt });
    raiseAlerts(rt, [{ kind: 'host-down', name: host, runId: null, run: null, reason }]);
  }
  return dead.map((d) => d.host);
}
