// A run's processes as the process layer sees them: its root identity, its marker, its leftovers; stopping them all.
import { ticksAt } from '../process/clock.js';
import { readBootId, type ProcessIdentity } from '../process/identity.js';
import type { RunMarker } from '../process/marker.js';
import { leftovers, runMembers, type Member } from '../process/members.js';
import { readProcTable } from '../process/proc-table.js';
import { stopTree, type StopTreeResult } from '../process/stop.js';
import type { Runtime } from '../runtime.js';
import { isRemote } from './remote.js';
import type { CurrentRun } from '../store/records.js';

/** How much earlier than its recorded start a launching run's shim may look started (clock ticks are 10 ms; clocks drift). */
export const LAUNCH_SLACK_MS = 1_000;

/** Pid recorded for a run whose spawn was intended (recorded before it) but not yet seen done: status `launching`. */
export const LAUNCHING_PID = 0;

/** The identity recorded for a run. */
export function runIdentity(run: CurrentRun): ProcessIdentity {
  return { pid: run.pid, startTime: run.pidStartTime, bootId: run.bootId };
}

/** The marker every process of `run` carries in its environment (`EXECUTOR_ID`, `EXECUTOR_RUN_ID`). */
export function runMarker(rt: Runtime, run: CurrentRun): RunMarker {
  return { executorId: rt.id, runId: run.runId };
}

/** True for a run recorded before its spawn, whose process this record does not name yet. */
export function isLaunching(run: CurrentRun): boolean {
  return run.pid === LAUNCHING_PID;
}

/**
 * Stops every process of `run`: its tree, group, session and marked processes (see `stopTree`). Works for a run whose
 * root is gone (its leftovers) and for a `launching` run (its marked processes only).
 */
export function stopRun(rt: Runtime, run: CurrentRun): Promise<StopTreeResult> {
  if (isRemote(rt, run)) return Promise.resolve({ signalled: false, forced: false }); // its host stops it (cluster)
  return stopTree(runIdentity(run), { killTimeoutMs: rt.killTimeoutMs, marker: runMarker(rt, run) });
}

/**
 * The processes of `run` other than its root that are alive (the root being gone: what it left behind), from a /proc
 * snapshot read no earlier than `notBefore` (shared with other checks of this Executor).
 */
export function runLeftovers(rt: Runtime, run: CurrentRun, notBefore = Date.now()): Promise<Member[]> {
  if (isRemote(rt, run)) return Promise.resolve([]); // another host's processes are not seen from here
  return leftovers({ root: runIdentity(run), marker: runMarker(rt, run), checked: new Map(), cache: rt.procs }, notBefore);
}

/** Stops runs that were spawned but could not be recorded (the mutation failed), so no process is left untracked. */
export async function stopUnrecorded(rt: Runtime, launches: readonly { run: CurrentRun }[]): Promise<void> {
  await Promise.all(launches.map((l) => stopRun(rt, l.run)));
}

/**
 * Stops every process left by any run of task `name` (found by the task's marker), e.g. the daemons a `keepOrphans`
 * task kept. Resolves with what `stopTree` reports.
 */
export function stopTaskLeftovers(rt: Runtime, name: string): Promise<StopTreeResult> {
  const root = { pid: LAUNCHING_PID, startTime: 0, bootId: readBootId() };
  return stopTree(root, { killTimeoutMs: rt.killTimeoutMs, marker: { executorId: rt.id, task: name } });
}

/**
 * The shim of a `launching` run, found by its marker: a marked process leading its own session (the shim is spawned
 * detached, so it is a session leader). Null when it is not (or no longer) alive.
 */
export function findLaunched(rt: Runtime, run: CurrentRun): ProcessIdentity | null {
  const table = readProcTable();
  // Only processes started since the launch (a program's earlier steps may have left marked daemons behind).
  const since = rt.realClock ? ticksAt(Date.parse(run.program?.stepStartedAt ?? run.startedAt) - LAUNCH_SLACK_MS) : 0;
  const scope = { root: { pid: LAUNCHING_PID, startTime: since, bootId: run.bootId || readBootId() }, marker: runMarker(rt, run), checked: new Map() };
  let best: Member | null = null;
  for (const member of runMembers(scope, table).values()) {
    const stat = table.stats.get(member.id.pid);
    if (stat?.session !== member.id.pid) continue;
    if (best === null || member.id.startTime < best.id.startTime) best = member;
  }
  return best?.id ?? null;
}
