// What a transfer (cluster/transfer.ts) will do, decided before anything is written: the source's tasks picked, the
// target's same-named tasks refused, replaced or skipped, every relation checked against the target as it will be,
// and the order of the writes (what a task depends on first). Also the state a copied record arrives with.
import { TaskNotFoundError } from '../errors.js';
import { TaskExistsError } from '../errors/transfer.js';
import { checkRelations } from '../deps/check.js';
import { initialState, type RunRecord, type TaskRecord, type TaskSpec, type TaskState } from '../store/records.js';
import type { TaskTable } from '../store/store.js';
import { lastSlotIso } from '../task/lifecycle.js';
import { closestNames } from '../task/suggest.js';
import { scheduleOn, timingOfTask } from '../supervisor/wake.js';
import type { ExistingPolicy } from './transfer-options.js';

/** One task of the plan. */
export interface PlanItem {
  record: TaskRecord;
  action: 'copy' | 'replace' | 'skip';
}

/**
 * The source records to move: `names` (each must exist: `TaskNotFoundError` with the closest names), or every task.
 * A record among them that cannot be read throws its `CorruptRecordError` (name the others to move them without it).
 * @example `pickRecords(await source.table({ full: true }), ['api', 'db'])`
 */
export function pickRecords(table: TaskTable, names: readonly string[] | null): TaskRecord[] {
  const known = [...table.records.keys(), ...table.errors.keys()];
  const wanted = names ?? [...known].sort();
  return wanted.map((name) => {
    const bad = table.errors.get(name);
    if (bad) throw bad;
    const record = table.records.get(name);
    if (!record) throw new TaskNotFoundError(name, closestNames(name, known));
    return record;
  });
}

// A relation error, saying which moved task holds it.
function inTask(error: unknown, name: string): unknown {
  if (error instanceof Error) error.message = `${error.message.replace(/\.$/, '')} (in task ${JSON.stringify(name)}: move the tasks it names with it, or add them to the target first).`;
  return error;
}

// The records in an order where what a task depends on (`dependsOn`) comes before it; otherwise by name.
function dependenciesFirst(items: PlanItem[]): PlanItem[] {
  const byName = new Map(items.map((item) => [item.record.task.name, item]));
  const out: PlanItem[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    const item = byName.get(name);
    if (!item || seen.has(name)) return;
    seen.add(name);
    for (const dep of item.record.task.dependsOn ?? []) visit(dep);
    out.push(item);
  };
  for (const name of [...byName.keys()].sort()) visit(name);
  return out;
}

/**
 * Decides each record's action against the target's table, in write order. Throws, before anything is written:
 * `TaskExistsError` (names already in `target`, with `existing: 'refuse'`), `TaskNotFoundError` or
 * `DependencyCycleError` (a `dependsOn` / `after` that the target would not satisfy once the records are in).
 * @example `planTransfer(records, await target.table({ full: true }), 'skip', 'postgres://db/jobs')`
 */
export function planTransfer(records: readonly TaskRecord[], target: TaskTable, existing: ExistingPolicy, targetLabel: string): PlanItem[] {
  const there = new Set([...target.records.keys(), ...target.errors.keys()]);
  const clash = records.map((r) => r.task.name).filter((name) => there.has(name)).sort();
  if (clash.length > 0 && existing === 'refuse') throw new TaskExistsError(clash, targetLabel);
  const items = records.map((record): PlanItem => ({
    record, action: !there.has(record.task.name) ? 'copy' : existing === 'replace' ? 'replace' : 'skip',
  }));
  const after = new Map<string, TaskSpec>([...target.records].map(([name, r]) => [name, r.task]));
  for (const { record, action } of items) if (action !== 'skip') after.set(record.task.name, record.task);
  for (const { record, action } of items) {
    if (action === 'skip') continue;
    try { checkRelations(record.task, after); } catch (error) { throw inTask(error, record.task.name); }
  }
  return dependenciesFirst(items);
}

/**
 * The state a copied task arrives with. New in the target: a freshly added task's (`initialState()`: idle, no run,
 * nothing queued, no schedule armed, no restart count), keeping whether it is `enabled` and its history: its archived
 * outputs and, unless a run is live, what its last run was (so the runs copied with it, and their output where it is,
 * still read as its own). Replacing a target task: that task's own state, as `addTask` with `replace` keeps it (a live
 * run there stays tracked; a running schedule goes on from the next slot), `enabled` taken from the source.
 * @example `arrivingState(record.state, current, record.task, Date.now())`
 */
export function arrivingState(source: TaskState, current: TaskRecord | null, spec: TaskSpec, now: number): TaskState {
  if (current === null) {
    const fresh: TaskState = { ...initialState(), enabled: source.enabled, archives: [...source.archives], pinned: [...source.pinned] };
    if (source.run !== null) return fresh; // its last run is the live one, which stays where it is
    const { lastRunId, lastTrigger, lastExitCode, lastSignal, lastStartedAt, lastEndedAt, lastKill } = source;
    return { ...fresh, lastRunId, lastTrigger, lastExitCode, lastSignal, lastStartedAt, lastEndedAt, lastKill };
  }
  const state: TaskState = { ...current.state, enabled: source.enabled };
  if (scheduleOn(state)) {
    state.lastScheduledAt = lastSlotIso(spec, now);
    if (timingOfTask(spec) === null && state.status === 'scheduled') state.status = 'idle';
  }
  return state;
}

/** Run statuses of a run that is over (the only ones moved: a live or queued run stays where it is). */
const ENDED: readonly RunRecord['status'][] = ['succeeded', 'failed', 'cancelled'];

/**
 * The runs of a task that are over, oldest first.
 * @example `endedRuns(await source.listRuns('api'))`
 */
export function endedRuns(runs: readonly RunRecord[]): RunRecord[] {
  return runs.filter((run) => ENDED.includes(run.status));
}
