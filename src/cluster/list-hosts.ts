// listHosts(): the cluster's hosts, each with the tasks that have a live run on it.
import type { Runtime } from '../runtime.js';
import { listHostRows, type HostRow } from './hosts.js';
import { clusterOf } from './pg-store.js';

/**
 * The cluster's hosts by name, each with `tasks` (those with a live run recorded on it); `[]` for a folder.
 * @example `(await listHosts(rt)).filter((h) => h.alive).map((h) => h.host)`
 */
export async function listHosts(rt: Runtime): Promise<HostRow[]> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return [];
  const { records } = await rt.store.table(); // opens the cluster first
  const rows = await listHostRows(cluster.db, cluster.db.config.leaseTimeMs);
  const byHost = new Map<string, Set<string>>();
  for (const record of records.values()) {
    for (const run of [record.state.run, ...record.state.extraRuns]) {
      if (run?.host === undefined) continue;
      const set = byHost.get(run.host) ?? new Set<string>();
      set.add(record.task.name);
      byHost.set(run.host, set);
    }
  }
  return rows.map((row) => ({ ...row, tasks: [...(byHost.get(row.host) ?? [])].sort() }));
}
