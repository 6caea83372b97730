// The processes of many runs at once, from one /proc snapshot: one pass over the table serves every run, and each
// process's environment is read once (not once per run), so a stop of a hundred runs costs about what one costs.
// Same rules as `runMembers` (members.ts): root, group, session, marked processes and their descendants, never one
// that started before the root.
import { identityOf, readBootId, type ProcessIdentity, type ProcStat } from './identity.js';
import { entriesOf, type RunMarker } from './marker.js';
import { MARKER_CHECKS_PER_SLICE, markerCandidate, rootStatusIn, type Member, type RootStatus } from './members.js';
import type { ProcCache } from './proc-cache.js';
import { descendantsIn, type BusyTime, type ProcTable } from './proc-table.js';

/** One run to look for: its root (the shim; pid 0 for a run without one) and its marker, if any. */
export interface BatchScope {
  /** The run's root process. */
  readonly root: ProcessIdentity;
  /** The marker its processes carry, or null to look at the tree, group and session only. */
  readonly marker: RunMarker | null;
}

/** The largest of the ascending `sorted` that is <= `value`, or -Infinity. */
function floorOf(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? -Infinity : sorted[lo - 1]!;
}

/**
 * Which processes need their environment read for these scopes: those `markerCandidate` asks about for at least one
 * scope (a process that started after the root, whose parent started before that root or is gone; for a scope with no
 * root, any process that started after its start), so that a pass reads each environment at most once. Null when no
 * scope has a marker.
 */
function environFilter(scopes: readonly BatchScope[], table: ProcTable): ((stat: ProcStat) => boolean) | null {
  const marked = scopes.filter((s) => s.marker !== null);
  if (marked.length === 0) return null;
  const rootless = Math.min(...marked.filter((s) => s.root.pid <= 0).map((s) => s.root.startTime));
  const starts = marked.filter((s) => s.root.pid > 0).map((s) => s.root.startTime).sort((a, b) => a - b);
  return (stat) => {
    if (stat.startTime >= rootless) return true;
    if (stat.ppid === process.pid) return false;
    // The latest root that started no later than this process: its parent must have started before it.
    const root = floorOf(starts, stat.startTime);
    if (root === -Infinity) return false;
    const parent = table.stats.get(stat.ppid);
    return parent === undefined || parent.startTime < root;
  };
}

/**
 * Reads ahead the environments {@link membersOfAll} will need from `table` into `cache`, yielding to the event loop
 * every {@link MARKER_CHECKS_PER_SLICE} reads, so a big table never blocks the caller for long. With `busy`, the time
 * its slices took is added to `busy.ms`.
 *
 * @example
 * ```ts
 * await readMarkersAhead(scopes, table, cache);
 * const members = membersOfAll(scopes, table, cache);
 * ```
 */
export async function readMarkersAhead(scopes: readonly BatchScope[], table: ProcTable, cache: ProcCache, busy?: BusyTime): Promise<void> {
  let sliceStart = performance.now();
  const wanted = environFilter(scopes, table) ?? ((): boolean => false);
  let reads = 0;
  for (const [pid, stat] of table.stats) {
    if (!wanted(stat) || cache.knows(pid, stat.startTime)) continue;
    cache.markerEntries(pid, stat.startTime);
    if (++reads % MARKER_CHECKS_PER_SLICE === 0) {
      if (busy) busy.ms += performance.now() - sliceStart;
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  if (busy) busy.ms += performance.now() - sliceStart;
}

/** A scope being looked for: its root's status, and the pids found to head its tree so far. */
interface View { scope: BatchScope; status: RootStatus | null; wanted: string[]; heads: number[] }

const push = <K, V>(map: Map<K, V[]>, key: K, value: V): void => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/** The views to look at: by root pid (for its group and session), and by the marker entry that names each run. */
function indexViews(scopes: readonly BatchScope[], table: ProcTable): { views: View[]; kin: Map<number, View[]>; byEntry: Map<string, View[]> } {
  const boot = readBootId();
  const kin = new Map<number, View[]>();
  const byEntry = new Map<string, View[]>();
  const views = scopes.map((scope): View => {
    const { root, marker } = scope;
    // Another boot: nothing of this run can be alive.
    const view: View = { scope, status: root.bootId === boot ? rootStatusIn(root, table) : null, wanted: marker ? entriesOf(marker) : [], heads: [] };
    if (view.status === null) return view;
    if (view.status === 'alive' && root.pid > 0) view.heads.push(root.pid);
    // A pid in use as a group or session id is never reused, so with the root gone its group is still ours.
    if (view.status !== 'stranger' && root.pid > 0) push(kin, root.pid, view);
    // Never the executor id alone (that would be every task): the run id or the task name names the run.
    if (view.wanted.length > 1) push(byEntry, view.wanted[view.wanted.length - 1]!, view);
    return view;
  });
  return { views, kin, byEntry };
}

// Adds `pid` to the heads of every view whose group or session it is in, and of every view whose marker it carries.
function addHeads(pid: number, stat: ProcStat, index: ReturnType<typeof indexViews>, entries: ReadonlySet<string> | null, table: ProcTable): void {
  const kinViews = stat.pgrp === stat.session ? index.kin.get(stat.pgrp) ?? [] : [...index.kin.get(stat.pgrp) ?? [], ...index.kin.get(stat.session) ?? []];
  for (const view of kinViews) if (pid !== view.scope.root.pid && stat.startTime >= view.scope.root.startTime) view.heads.push(pid);
  if (entries === null) return;
  for (const entry of entries) {
    for (const view of index.byEntry.get(entry) ?? []) {
      const { root } = view.scope;
      if (pid === root.pid || stat.startTime < root.startTime || !markerCandidate(root, table, stat)) continue;
      if (view.wanted.every((w) => entries.has(w))) view.heads.push(pid);
    }
  }
}

/**
 * Every live process of each scope's run in `table`, in the order of `scopes`: as `runMembers` finds them, from one
 * pass over the table for all scopes. Environments are taken from `cache` (read there if missing).
 *
 * @example
 * ```ts
 * const [first, second] = membersOfAll([{ root, marker }, { root: other, marker: null }], readProcTable(), cache);
 * ```
 */
export function membersOfAll(scopes: readonly BatchScope[], table: ProcTable, cache: ProcCache): Map<number, Member>[] {
  const index = indexViews(scopes, table);
  const wanted = index.byEntry.size > 0 ? environFilter(scopes, table) : null;
  if (index.kin.size > 0 || wanted !== null) {
    for (const [pid, stat] of table.stats) {
      const entries = wanted !== null && wanted(stat) ? cache.markerEntries(pid, stat.startTime) : null;
      addHeads(pid, stat, index, entries, table);
    }
  }
  return index.views.map(({ scope: { root }, status, heads }) => {
    const members = new Map<number, Member>();
    if (status === null) return members;
    for (const pid of [...heads, ...descendantsIn(table, heads)]) {
      const stat = table.stats.get(pid);
      if (!stat || stat.startTime < root.startTime || members.has(pid)) continue;
      members.set(pid, { id: pid === root.pid && status === 'alive' ? root : identityOf(stat), ppid: stat.ppid, pgrp: stat.pgrp });
    }
    return members;
  });
}
