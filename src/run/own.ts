// Which live runs this process spawned itself, and whether a recorded run is still live.
import type { SpawnedRun } from '../process/spawn.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun } from '../store/records.js';
import { isRemote } from './remote.js';
import { findLaunched, isLaunching } from './tree.js';

/** The process this Executor spawned for `run` (its current step, for a program), if it still watches it. */
export function ownSpawn(rt: Runtime, run: CurrentRun): SpawnedRun | undefined {
  const own = rt.own.get(run.runId);
  // A program run keeps its runId across steps: only the spawn of its current step counts.
  return own !== undefined && own.identity.pid === run.pid ? own : undefined;
}

/** True while a program run waits to start its next step or a retry (no process is live then). */
export function isWaiting(run: CurrentRun): boolean {
  return run.program !== null && run.program.retryAt !== null;
}

/**
 * True when a recorded run is live: watched by this process, waiting for a step, or its process is alive (for a run
 * recorded as `launching`, its shim found by the run's marker).
 */
export function runLive(rt: Runtime, run: CurrentRun): boolean {
  if (ownSpawn(rt, run) !== undefined || isWaiting(run)) return true;
  if (isRemote(rt, run)) return rt.hosts!.alive(run.host!); // another host's: live while that host is
  if (isLaunching(run)) return findLaunched(rt, run) !== null;
  return rt.procs.isAlive({ pid: run.pid, startTime: run.pidStartTime, bootId: run.bootId });
}

/** True when `run` waits for a step or attempt that is due by `now` (and is not being cancelled). */
export function stepDue(run: CurrentRun, now: number): boolean {
  return run.program !== null && run.program.retryAt !== null && !run.stopRequested && Date.parse(run.program.retryAt) <= now;
}
