// Cluster mode: where a task may run (its `hosts` and `labels` against the live hosts' names and labels) and which
// live host starts it when it has to start without being asked by hand (a restart, a slot, a queued run, a
// takeover): the allowed host with free capacity and the fewest live runs (then by name), so every host decides the
// same from the same view. Pure.
import type { TaskRecord, TaskSpec } from '../store/records.js';
import type { HostRow } from './hosts.js';

/** The waiting reason of a task no live host may run. */
export const NO_HOST_MATCHES = 'no live host matches';

/** True when `host` may run `task` (its `hosts` name it, or none are given; it has every label asked). */
export function allowedOn(task: Pick<TaskSpec, 'hosts' | 'labels'>, host: Pick<HostRow, 'host' | 'labels'>): boolean {
  if (task.hosts !== undefined && !task.hosts.includes(host.host)) return false;
  return Object.entries(task.labels ?? {}).every(([key, value]) => host.labels[key] === value);
}

/** The waiting reason of a task whose every matching live host is at its `capacity`. */
export const ALL_HOSTS_FULL = 'every matching live host is at capacity';

/** Where a task should start now: here, on another host, nowhere (no live host matches), or later (all full). */
export type Placement = { kind: 'here' } | { kind: 'elsewhere'; host: string } | { kind: 'nowhere' } | { kind: 'full' };

/**
 * The host that should start `task` now, from the live hosts `live` and the table `records` (each host's load: its
 * live runs). `self`: this process's host.
 * @example `placementOf(task, live, records, 'a') // { kind: 'here' }`
 */
export function placementOf(task: Pick<TaskSpec, 'hosts' | 'labels'>, live: readonly HostRow[], records: Iterable<TaskRecord>, self: string): Placement {
  const allowed = live.filter((h) => allowedOn(task, h));
  if (allowed.length === 0) return { kind: 'nowhere' };
  const load = new Map<string, number>();
  for (const record of records) {
    for (const run of [record.state.run, ...record.state.extraRuns]) if (run?.host !== undefined) load.set(run.host, (load.get(run.host) ?? 0) + 1);
  }
  const free = allowed.filter((h) => h.capacity === null || (load.get(h.host) ?? 0) < h.capacity);
  if (free.length === 0) return { kind: 'full' };
  const best = [...free].sort((a, b) => (load.get(a.host) ?? 0) - (load.get(b.host) ?? 0) || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))[0]!;
  return best.host === self ? { kind: 'here' } : { kind: 'elsewhere', host: best.host };
}
