// enableTask / disableTask, and nextRuns: the schedule preview.
import { chainWords } from '../chain/links.js';
import { InvalidOptionError } from '../errors.js';
import { taskNotFound } from './suggest.js';
import type { Runtime } from '../runtime.js';
import { previewRuns } from '../schedule/plan.js';
import type { TaskRecord } from '../store/records.js';
import { CATCH_UP_THRESHOLD_MS, scheduleOn, timingOfTask } from '../supervisor/wake.js';
import { wakeHosts } from '../cluster/wake.js';
import { supervisorOf, warnDueRestarts, warnUnsupervised } from '../supervisor/presence.js';
import { lastSlotIso, scheduleWillNotFire } from './lifecycle.js';
import { taskRow, type TaskRow } from './rows.js';

/** Most fire times `nextRuns` previews at once. */
export const MAX_NEXT_RUNS = 10_000;

/** Enables or disables a task; a re-enabled schedule resumes from the next slot (slots missed while disabled are not caught up). */
export async function setEnabled(rt: Runtime, name: string, enabled: boolean): Promise<TaskRow> {
  const record = await rt.store.mutateTask<TaskRecord>(name, async (current) => {
    if (!current) throw await taskNotFound(rt, name);
    if (current.state.enabled === enabled) return { record: null, result: current };
    const state = { ...current.state, enabled };
    if (enabled && timingOfTask(current.task)) state.lastScheduledAt = lastSlotIso(current.task, rt.now());
    if (!enabled && state.status === 'backoff') Object.assign(state, { status: 'failed', backoffUntil: null });
    const next = { ...current, state };
    return { record: next, result: next };
  });
  rt.log(`${enabled ? 'Enabling' : 'Disabling'} ${name}`);
  rt.supervisor?.onChanged();
  await wakeHosts(rt); // cluster mode: the hosts act on it at once
  if (enabled && timingOfTask(record.task)) await warnUnsupervised(rt, scheduleWillNotFire, [name]);
  if (enabled) await warnDueRestarts(rt, [record]); // a crashed loop re-enabled is due for a restart
  return taskRow(rt.id, record, rt.now(), null, await supervisorOf(rt));
}

/**
 * The next `n` times the scheduler will fire the task (ISO, jitter included); `[]` if it is disabled or has neither a
 * schedule nor chains. A task that runs only by chain (`after`, no period or cron) gets one line per upstream instead:
 * `after load` (on success), `after load (on failure)`, `after load (on end)`.
 */
export async function nextRuns(rt: Runtime, name: string, n: unknown): Promise<string[]> {
  if (!(Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_NEXT_RUNS)) throw new InvalidOptionError('n', `an integer from 0 to ${MAX_NEXT_RUNS}`, n);
  const record = await rt.store.readTask(name);
  if (!record) throw await taskNotFound(rt, name);
  const { task, state } = record;
  const timing = timingOfTask(task);
  if (!state.enabled) return [];
  if (!timing) return chainWords(task.after).slice(0, n as number);
  const now = rt.now();
  // A task not (yet) started previews what startTask would schedule: from the next slot on.
  const started = scheduleOn(state);
  const last = started ? state.lastScheduledAt : lastSlotIso(task, now);
  return previewRuns(timing, task.name, task.jitterMs, last === null ? null : Date.parse(last), now, n as number, CATCH_UP_THRESHOLD_MS, task).map((t) => new Date(t).toISOString());
}
