// The task table as listTasks and listRunningTasks show it: runs that ended unseen recorded first, restarts due without a
// supervisor warned about, then one row per task.
import { readUsageTable } from '../process/proc-usage.js';
import { hasProc } from '../process/proc-table.js';
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import { supervisorOf, warnDueRestarts } from '../supervisor/presence.js';
import { runPass } from '../supervisor/tick.js';
import { runningRow, taskRow, type RunningRow, type TaskRow } from './rows.js';
import { tasksUsage } from './usage.js';

// The table after a (non-supervising) pass, as that pass left it (no second read); due restarts warned about.
async function seenRecords(rt: Runtime): Promise<TaskRecord[]> {
  await runPass(rt, false);
  const records = [...(await rt.store.table({ refresh: false })).records.values()];
  await warnDueRestarts(rt, records);
  return records;
}

// True when some task of the table has a live run (only then is /proc worth a walk: no live run, no usage to show).
async function anyLiveRun(rt: Runtime): Promise<boolean> {
  for (const record of (await rt.store.table()).records.values()) if (record.state.run !== null || record.state.extraRuns.length > 0) return true;
  return false;
}

/**
 * `listTasks()`: every task (or those tagged `tag`) with its usage and the folder's supervisor. When some run is live,
 * one pass over /proc, made first, serves both the look for runs that ended (a run alive in it is not read again) and
 * every row's usage.
 */
export async function listTaskRows(rt: Runtime, tag: string | undefined): Promise<TaskRow[]> {
  const walk = hasProc() && (await anyLiveRun(rt)) ? await readUsageTable() : undefined;
  const seen = await (walk ? rt.procs.whileSeen(walk, () => seenRecords(rt)) : seenRecords(rt));
  const records = seen.filter((r) => tag === undefined || r.task.tags.includes(tag));
  const [usage, supervisor] = await Promise.all([tasksUsage(rt, records, walk), supervisorOf(rt)]);
  const now = rt.now();
  return records.map((r, i) => taskRow(rt.id, r, now, usage[i], supervisor));
}

/** `listRunningTasks()`: ExecutoR's running table. */
export async function listRunningRows(rt: Runtime, nextRun: boolean): Promise<RunningRow[]> {
  const records = await seenRecords(rt);
  const now = rt.now();
  return records.map((r) => runningRow(rt.id, r, now, nextRun));
}
