// Cluster mode, under a task's lock in a supervising pass: may this host start the task now (see placement.ts)? If no
// live host may run it, it waits, saying why.
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import { placementOf, ALL_HOSTS_FULL, NO_HOST_MATCHES, type Placement } from './placement.js';
import { clusterOf } from './pg-store.js';

/**
 * Where `record`'s task should start now, from this process's view of the live hosts and of the table; `here` for a
 * folder, and before the hosts were first read.
 * @example `if ((await placementHere(rt, record)).kind !== 'here') supervise = false;`
 */
export async function placementHere(rt: Runtime, record: TaskRecord): Promise<Placement> {
  const live = rt.hosts?.liveRows() ?? null;
  const cluster = clusterOf(rt.store);
  if (rt.host === null || live === null || cluster === null) return { kind: 'here' };
  // A supervising process not registered as a host (a `tick()`) counts as one for its pass.
  const { capacity, labels } = cluster.db.config;
  const hosts = live.some((h) => h.host === rt.host) || rt.supervisor !== null ? live
    : [...live, { host: rt.host, labels, capacity, pid: process.pid, startedAt: '', heartbeatAt: '', alive: true, tasks: [] }];
  const { records } = await rt.store.table({ refresh: false });
  return placementOf(record.task, hosts, records.values(), rt.host);
}

/** True when no supervising host is alive: a process may then start queued runs itself, as in a folder. */
export function noLiveHost(rt: Runtime): boolean {
  return (rt.hosts?.liveRows()?.length ?? 0) === 0;
}

/** The waiting reason of a placement that starts nothing anywhere (null when some host starts it). */
export function placementWait(placement: Placement): string | null {
  return placement.kind === 'nowhere' ? NO_HOST_MATCHES : placement.kind === 'full' ? ALL_HOSTS_FULL : null;
}

/**
 * Cluster mode: a start asked on a host that may not run the task (its `hosts` / `labels`): the task is marked
 * `waiting` for the host placement picks (or for any, saying no live host matches), which starts it at its next pass.
 * Resolves with the waiting reason, or null when this host may run it (or for a folder, or an unrestricted task).
 * @example `const handed = await handOverStart(rt, record); if (handed) return { result: 'queued', … }`
 */
export async function handOverStart(rt: Runtime, record: TaskRecord, mark: (reason: string) => Promise<unknown>): Promise<string | null> {
  const { task } = record;
  if (rt.host === null || (task.hosts === undefined && task.labels === undefined)) return null;
  await rt.hosts?.refresh();
  const placement = await placementHere(rt, record);
  if (placement.kind === 'here') return null;
  const reason = placementWait(placement) ?? `starting on host ${(placement as { host: string }).host}`;
  await mark(reason);
  return reason;
}
