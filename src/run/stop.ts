// Stopping a task: mark it stopped first (so no supervisor undoes it), then stop its whole tree.
import { TaskNotFoundError } from '../errors.js';
import type { ExitEvent } from '../events.js';
import type { ProcessIdentity } from '../process/identity.js';
import { isAlive } from '../process/identity.js';
import { stopTree } from '../process/stop.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';
import { announceExit, closeRun, finalizeRun } from './close.js';

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

function markStopped(record: TaskRecord, run: CurrentRun | null): TaskRecord {
  const status = record.state.status === 'idle' ? 'idle' : 'stopped';
  return { ...record, state: { ...record.state, status, backoffUntil: null, run: run ? { ...run, stopRequested: true } : record.state.run } };
}

/** Stops task `name`: resolves when every process of its tree is gone and the exit is recorded. */
export async function stopTaskRun(rt: Runtime, name: string): Promise<StopResult> {
  const target = await rt.store.mutateTask<{ run: CurrentRun | null; closed: ExitEvent | null }>(name, async (record) => {
    if (!record) throw new TaskNotFoundError(name);
    const run = record.state.run;
    if (run && (rt.own.has(run.runId) || isAlive(runIdentity(run)))) {
      return { record: markStopped(record, run), result: { run, closed: null } };
    }
    const done = run ? await finalizeRun(rt, markStopped(record, run), null) : null;
    return { record: done ? done.record : markStopped(record, null), result: { run: null, closed: done?.event ?? null }, sideWrites: done ? [done.ledgerWrite] : [] };
  });
  if (target.closed) announceExit(rt, target.closed);
  rt.log(`Stopping ${name}`);
  if (!target.run) {
    rt.emitter.emit('stop', { name, runId: null, pid: null });
    return { id: rt.id, name, result: 'not running', pid: null, forced: false };
  }
  const { run } = target;
  const { forced } = await stopTree(runIdentity(run), { killTimeoutMs: rt.killTimeoutMs });
  const own = rt.own.get(run.runId);
  const exit = own ? await own.exited : null;
  await closeRun(rt, name, run.runId, exit);
  rt.emitter.emit('stop', { name, runId: run.runId, pid: run.pid });
  return { id: rt.id, name, result: 'stopped', pid: run.pid, forced };
}
