// Which processes belong to a run: its root (the shim), the root's group and session, the processes carrying the run's
// marker, and all their descendants; never one that started before the root (a stranger with a reused pid).
import { identityOf, readBootId, sameProcess, type ProcessIdentity, type ProcStat } from './identity.js';
import { hasMarker, type RunMarker } from './marker.js';
import type { ProcCache } from './proc-cache.js';
import { descendantsIn, readProcTable, readProcTableSliced, type ProcTable } from './proc-table.js';

/** Whether the root pid still is our process, is gone (or a zombie), or belongs to a stranger now. */
export type RootStatus = 'alive' | 'gone' | 'stranger';

/** One process of a run. */
export interface Member {
  id: ProcessIdentity;
  ppid: number;
  pgrp: number;
}

/** Where to look for a run's processes. */
export interface RunScope {
  /** The run's root process (the shim). */
  root: ProcessIdentity;
  /** The run's marker, or null to look at the tree, group and session only. */
  marker: RunMarker | null;
  /** Marker checks already made, by `pid:startTime` (an environment does not change after exec). */
  checked: Map<string, boolean>;
  /** A cache shared across looks (an Executor's): environments read once per process. */
  cache?: ProcCache;
}

const keyOf = (pid: number, startTime: number): string => `${pid}:${startTime}`;

/** The status of the root in `table` (a stranger: another start time or another boot). */
export function rootStatusIn(root: ProcessIdentity, table: ProcTable): RootStatus {
  if (root.bootId !== readBootId()) return 'stranger';
  const stat = table.stats.get(root.pid);
  if (!stat) return 'gone';
  return sameProcess(root, stat) ? 'alive' : 'stranger';
}

/**
 * Whether a process must be checked for the marker: one whose parent started before the run (or is gone) may have
 * escaped the run's tree (a daemon reparented to init); one whose parent started after the run is found through that
 * parent if it is ours (a stranger's child cannot carry our marker). Runs this process spawned itself carry their
 * own run's marker. A root with no pid (a launching run, every run of a task) checks everything it may.
 */
export function markerCandidate(root: ProcessIdentity, table: ProcTable, stat: ProcStat): boolean {
  if (root.pid <= 0) return true;
  if (stat.ppid === process.pid) return false;
  const parent = table.stats.get(stat.ppid);
  return parent === undefined || parent.startTime < root.startTime;
}

function marked(scope: RunScope, pid: number, startTime: number): boolean {
  if (scope.marker === null) return false;
  const key = keyOf(pid, startTime);
  let found = scope.checked.get(key);
  if (found === undefined) {
    found = scope.cache ? scope.cache.hasMarker(pid, startTime, scope.marker) : hasMarker(pid, scope.marker);
    scope.checked.set(key, found);
  }
  return found;
}

/** Marker checks made between two yields to the event loop (each reads one `/proc/<pid>/environ`, ~20 µs). */
export const MARKER_CHECKS_PER_SLICE = 200;

/**
 * Reads the markers {@link runMembers} will need from `table` ahead of it, yielding to the event loop every
 * {@link MARKER_CHECKS_PER_SLICE} reads, so a big table never blocks the caller for long. Only processes that are not
 * the root's kin (group, session) and not checked yet are read.
 */
export async function checkMarkers(scope: RunScope, table: ProcTable): Promise<void> {
  if (scope.marker === null) return;
  const { root } = scope;
  let reads = 0;
  for (const [pid, stat] of table.stats) {
    if (pid === root.pid || stat.startTime < root.startTime || scope.checked.has(keyOf(pid, stat.startTime))) continue;
    if (root.pid > 0 && (stat.pgrp === root.pid || stat.session === root.pid)) continue;
    if (!markerCandidate(scope.root, table, stat)) continue;
    marked(scope, pid, stat.startTime);
    if (++reads % MARKER_CHECKS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * Every live process of the run in `table`: the root if alive, then (unless the root's pid is a stranger's now) its
 * group's and session's members, the marked processes, and the descendants of all of them. Processes that started
 * before the root are never taken.
 */
export function runMembers(scope: RunScope, table: ProcTable = readProcTable()): Map<number, Member> {
  const { root } = scope;
  if (root.bootId !== readBootId()) return new Map(); // another boot: nothing of this run can be alive
  const status = rootStatusIn(root, table);
  const heads: number[] = [];
  if (status === 'alive' && root.pid > 0) heads.push(root.pid);
  if (status !== 'stranger' || scope.marker !== null) {
    for (const [pid, stat] of table.stats) {
      if (pid === root.pid || stat.startTime < root.startTime) continue;
      // A pid in use as a group or session id is never reused, so with the root gone its group is still ours.
      // A root with no pid (a run recorded before its spawn) has no group: only its marker counts.
      const kin = status !== 'stranger' && root.pid > 0 && (stat.pgrp === root.pid || stat.session === root.pid);
      if (kin || (markerCandidate(scope.root, table, stat) && marked(scope, pid, stat.startTime))) heads.push(pid);
    }
  }
  const members = new Map<number, Member>();
  for (const pid of [...heads, ...descendantsIn(table, heads)]) {
    const stat = table.stats.get(pid);
    if (!stat || stat.startTime < root.startTime) continue;
    members.set(pid, { id: pid === root.pid ? root : identityOf(stat), ppid: stat.ppid, pgrp: stat.pgrp });
  }
  return members;
}

/**
 * The run's processes other than its root that are still alive: what a script left behind when it daemonized and its
 * main process exited. Empty when there are none. With `scope.cache`, the /proc snapshot may be a shared one, read no
 * earlier than `notBefore` (e.g. the run's end: whatever it left was alive then).
 *
 * @example
 * ```ts
 * const left = await leftovers({ root, marker: { executorId, runId }, checked: new Map() });
 * ```
 */
export async function leftovers(scope: RunScope, notBefore = Date.now()): Promise<Member[]> {
  const table = await (scope.cache ? scope.cache.tableSince(notBefore) : readProcTableSliced());
  await checkMarkers(scope, table);
  return [...runMembers(scope, table).values()].filter((m) => m.id.pid !== scope.root.pid);
}
