// The program step of a reconciliation: start the next step (or attempt) of program runs waiting for one; in cluster
// mode, also of a run whose host died (it goes on here, at its current step, with its checkpoint: a takeover).
import { advanceRun } from '../program/advance.js';
import { forgetCheckpoints } from '../program/checkpoint.js';
import { prepareTakeover } from '../program/takeover.js';
import { stepDue } from '../run/own.js';
import { isRemote } from '../run/remote.js';
import { failToAdvance, liveRuns } from '../run/close.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';
import type { StepContext, StepKind } from './steps.js';
import { announceTakeover } from './takeover.js';

// Cluster mode: the dead host `run` is taken over from, when this host takes it (`launch`: placement picked it);
// undefined when the run is not this host's to start; null for a run of this host (or a folder).
function takeoverFrom(rt: Runtime, run: CurrentRun, launch: boolean): string | null | undefined {
  if (!isRemote(rt, run)) return null;
  // Another host's run: that host starts its steps while it lives; once it is dead, the host placement picks does.
  return launch && rt.host !== null && !rt.hosts!.alive(run.host!) ? run.host! : undefined;
}

/**
 * Spawns every step that is due (under the task's lock); a step that cannot start fails its run. With `launch` (this
 * host is the one placement picks for the task), a due step of a run whose host is dead is started here.
 */
export async function programStep(rt: Runtime, record: TaskRecord, now: number, ctx: StepContext, kinds: StepKind[], launch = false): Promise<TaskRecord> {
  let current = record;
  for (const run of liveRuns(record)) {
    const from = stepDue(run, now) ? takeoverFrom(rt, run, launch) : undefined;
    if (from === undefined) continue;
    if (from !== null) {
      try {
        await prepareTakeover(rt, current, run);
      } catch (error) {
        rt.warn(`Could not take run ${run.runId} of ${record.task.name} over from host ${from}: ${(error as Error).message}`, record.task.name);
        continue; // left waiting: a later pass tries again
      }
    }
    try {
      const launched = await advanceRun(rt, current, run);
      ctx.launches.push(launched);
      current = launched.record;
      kinds.push('advanced');
      if (from !== null) announceTakeover(rt, ctx, record.task.name, from);
    } catch (error) {
      const done = await failToAdvance(rt, current, run, error as Error);
      ctx.closed.push(done);
      current = done.record;
      kinds.push('closed');
      await forgetCheckpoints(rt, record.task.name, run.runId);
    }
  }
  return current;
}
