// Stopping a task: mark it stopped first (so no supervisor undoes it), then stop its whole tree.
import { TaskNotFoundError } from '../errors.js';
import type { ProcessIdentity } from '../process/identity.js';
import { stopTree } from '../process/stop.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';
import { announceExit, closeRun, finalizeRun, liveRuns, type Finalized } from './close.js';
import { ownSpawn, runLive } from './own.js';
import { droppedRecord } from './query.js';

/** Result row of `stopTask` / `stopAll`. */
export interface StopResult {
  /** Executor id. */
  id: string;
  /** Task name. */
  name: string;
  /** `'stopped'` when a live run was stopped, `'not running'` otherwise; `'error'` only in `stopAll` rows (with `error` and `code`). */
  result: 'stopped' | 'not running' | 'error';
  /** Pid of the stopped run, else null. */
  pid: number | null;
  /** True when SIGKILL was needed after `killTimeout`. */
  forced: boolean;
  /** Error message of an `'error'` row. */
  error?: string;
  /** Error code of an `'error'` row. */
  code?: string;
}

/** The identity recorded for a run. */
export function runIdentity(run: CurrentRun): ProcessIdentity {
  return { pid: run.pid, startTime: run.pidStartTime, bootId: run.bootId };
}

function markStopped(record: TaskRecord): TaskRecord {
  const { state } = record;
  const status = state.status === 'idle' && state.run === null ? 'idle' : 'stopped';
  const mark = (run: CurrentRun): CurrentRun => ({ ...run, stopRequested: true });
  return { ...record, state: { ...state, status, backoffUntil: null, queue: [], run: state.run ? mark(state.run) : null, extraRuns: state.extraRuns.map(mark) } };
}

/** Stops task `name`: every live run (main and extra), each whole tree; resolves when all are gone and recorded. Queued runs are dropped (recorded as cancelled). */
export async function stopTaskRun(rt: Runtime, name: string): Promise<StopResult> {
  const target = await rt.store.mutateTask<{ runs: CurrentRun[]; closed: Finalized[] }>(name, async (record) => {
    if (!record) throw new TaskNotFoundError(name);
    let current = markStopped(record);
    const closed: Finalized[] = [];
    const runs: CurrentRun[] = [];
    for (const run of liveRuns(current)) {
      if (runLive(rt, run)) { runs.push(run); continue; }
      const done = await finalizeRun(rt, current, null, run);
      if (done) { current = done.record; closed.push(done); }
    }
    // Dropped queued runs are recorded as cancelled, so a waitRun on one resolves.
    const endedAt = new Date(rt.now()).toISOString();
    const dropped = record.state.queue.map((q) => rt.store.writeRun(droppedRecord(record, q, endedAt)));
    return { record: current, result: { runs, closed }, sideWrites: [...closed.map((d) => d.ledgerWrite), ...dropped] };
  });
  for (const done of target.closed) announceExit(rt, done);
  rt.log(`Stopping ${name}`);
  const main = target.runs[0];
  if (!main) {
    rt.emitter.emit('stop', { name, runId: null, pid: null });
    return { id: rt.id, name, result: 'not running', pid: null, forced: false };
  }
  const results = await Promise.all(target.runs.map(async (run) => {
    const { forced } = await stopTree(runIdentity(run), { killTimeoutMs: rt.killTimeoutMs });
    const own = ownSpawn(rt, run);
    await closeRun(rt, name, run.runId, own ? await own.exited : null, run.pid);
    return forced;
  }));
  rt.emitter.emit('stop', { name, runId: main.runId, pid: main.pid });
  return { id: rt.id, name, result: 'stopped', pid: main.pid, forced: results.some(Boolean) };
}
