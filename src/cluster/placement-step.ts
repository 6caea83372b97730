// Cluster mode, under a task's lock in a supervising pass: may this host start the task now (see placement.ts)? If no
// live host may run it, it waits, saying why.
import type { Runtime } from '../runtime.js';
import type { TaskRecord, TaskSpec } from '../store/records.js';
import { allowedOn, placementOf, ALL_HOSTS_FULL, NO_HOST_MATCHES, type Placement } from './placement.js';
import { notifyWake } from './wake.js';
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
  // This process's host counts as live when the view has not seen it yet (a `tick()`, or a supervisor whose registration
  // the last read of the hosts missed); not when it was read dead.
  const { capacity, labels } = cluster.db.config;
  const hosts = live.some((h) => h.host === rt.host) || !rt.hosts!.alive(rt.host) ? live
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
 * Cluster mode: true when this process hands its runs of `task` to the supervising hosts instead of running them
 * itself: it does not supervise, may not run the task (its `hosts` / `labels`), or is at its `capacity`, while some
 * host is alive. With no
 * live host, a process runs tasks itself, as in a folder. False for a folder.
 * @example `if (await handsOver(rt, record.task)) queueForHosts(…)`
 */
export async function handsOver(rt: Runtime, task: Pick<TaskSpec, 'hosts' | 'labels'>): Promise<boolean> {
  const cluster = clusterOf(rt.store);
  if (rt.host === null || rt.hosts === null || cluster === null) return false;
  await rt.hosts.refresh();
  if (noLiveHost(rt)) return false;
  if (rt.supervisor === null || !allowedOn(task, { host: rt.host, labels: cluster.db.config.labels })) return true;
  return (await hostRoom(rt, 0)) <= 0; // this host is full: a host with room claims it
}

/**
 * How many more runs this host may start under its `capacity` (Infinity without one, or for a folder): its live runs
 * in the cached table, plus `launching` not yet written.
 * @example `if ((await hostRoom(rt, ctx.launches.length)) > 0) …`
 */
export async function hostRoom(rt: Runtime, launching: number): Promise<number> {
  const capacity = clusterOf(rt.store)?.db.config.capacity ?? null;
  if (rt.host === null || capacity === null) return Infinity;
  const { records } = await rt.store.table({ refresh: false });
  let load = launching;
  for (const record of records.values()) {
    if (record.state.run?.host === rt.host) load++;
    for (const run of record.state.extraRuns) if (run.host === rt.host) load++;
  }
  return capacity - load;
}

/**
 * Cluster mode: a start asked by a process that hands its runs over ({@link handsOver}): the task is marked
 * `waiting` for the host placement picks (or for any, saying no live host matches), which starts it at its next pass.
 * Resolves with the waiting reason, or null when this process starts it itself (and for a folder).
 * @example `const handed = await handOverStart(rt, record, mark); if (handed) return waitHandedStart(…)`
 */
export async function handOverStart(rt: Runtime, record: TaskRecord, mark: (reason: string) => Promise<unknown>): Promise<string | null> {
  if (!(await handsOver(rt, record.task))) return null;
  const { records } = await rt.store.table({ refresh: false });
  const placement = placementOf(record.task, rt.hosts?.liveRows() ?? [], records.values(), '');
  const reason = placementWait(placement) ?? `starting on host ${(placement as { host: string }).host}`;
  await mark(reason);
  await notifyWake(clusterOf(rt.store)!.db, 'queue');
  return reason;
}
