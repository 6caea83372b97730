// Runs recorded as `launching` whose launcher died right after the spawn: found by their marker and adopted.
import type { Runtime } from '../runtime.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';
import { ledgerOf } from './launch.js';
import { findLaunched, isLaunching } from './tree.js';

/**
 * Gives every `launching` run of `record` whose shim is alive (found by the run's marker) that shim's identity, and
 * writes the run's ledger record if the launcher never did (its write is pushed to `sideWrites`). Call under the
 * task's lock, where no launch of this task is in flight: a launching run seen there lost its launcher. A launching
 * run with no live shim is left as it is, to be closed like any run that ended unseen.
 */
export function adoptLaunched(rt: Runtime, record: TaskRecord, sideWrites: Promise<unknown>[]): TaskRecord {
  let current = record;
  for (const run of [record.state.run, ...record.state.extraRuns]) {
    if (run === null || !isLaunching(run)) continue;
    const shim = findLaunched(rt, run);
    if (shim === null) continue;
    const adopted: CurrentRun = { ...run, pid: shim.pid, pidStartTime: shim.startTime, bootId: shim.bootId };
    const swap = (r: CurrentRun): CurrentRun => (r.runId === run.runId ? adopted : r);
    const { state } = current;
    current = { ...current, state: { ...state, run: state.run ? swap(state.run) : null, extraRuns: state.extraRuns.map(swap) } };
    const { pid, pidStartTime, bootId } = adopted;
    sideWrites.push(rt.store.updateRun(record.task.name, run.runId, { pid, pidStartTime, bootId }, ledgerOf(current, adopted)));
    rt.log(`Adopted ${record.task.name} (run ${run.runId}, pid ${shim.pid}): its launcher ended before recording it`);
  }
  return current;
}
