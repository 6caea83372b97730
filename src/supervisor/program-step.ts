// The program step of a reconciliation: start the next step (or attempt) of program runs waiting for one.
import { advanceRun } from '../program/advance.js';
import { stepDue } from '../run/own.js';
import { isRemote } from '../run/remote.js';
import { failToAdvance, liveRuns } from '../run/close.js';
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import type { StepContext, StepKind } from './steps.js';

/** Spawns every step that is due (under the task's lock); a step that cannot start fails its run. */
export async function programStep(rt: Runtime, record: TaskRecord, now: number, ctx: StepContext, kinds: StepKind[]): Promise<TaskRecord> {
  let current = record;
  for (const run of liveRuns(record)) {
    if (!stepDue(run, now) || isRemote(rt, run)) continue; // another host's run: that host starts its steps (cluster)
    try {
      const launched = await advanceRun(rt, current, run);
      ctx.launches.push(launched);
      current = launched.record;
      kinds.push('advanced');
    } catch (error) {
      const done = await failToAdvance(rt, current, run, error as Error);
      ctx.closed.push(done);
      current = done.record;
      kinds.push('closed');
    }
  }
  return current;
}
