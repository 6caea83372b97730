// A full pass over the table, using the cache so an idle table of 10,000 tasks costs little.
import { processInbox } from '../event/inbox.js';
import type { Runtime } from '../runtime.js';
import { killRun, resumeKill } from '../run/kill.js';
import { isDeadRun, needsRestart, scheduleDue } from './wake.js';
import { placementOf } from '../cluster/placement.js';
import { ownSpawn } from '../run/own.js';
import { isRemote } from '../run/remote.js';
import { noticeDeadHosts } from '../cluster/host-down.js';
import { takeJobs } from '../cluster/take-jobs.js';
import { runIdentity } from '../run/tree.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';
import { needsAttention, nextWakeOf, reconcileTask, type StepKind, type TickReport } from './reconcile.js';
import { restartedDependency, restartWithEnded } from '../deps/gate.js';

/** How often a supervisor re-checks a `waiting` task's dependencies, ms. */
export const WAITING_RECHECK_MS = 200;

// Dependency work a supervising pass must lock the task for: a `waiting` task (are its dependencies ready now? for a
// scheduled task, the slot held for them), a restartWith stop that ended, a restartWith task whose dependency restarted.
function dependencyAttention(record: TaskRecord, byName: () => ReadonlyMap<string, TaskRecord>): boolean {
  const { task, state } = record;
  if (state.status === 'waiting') return state.enabled && state.run === null;
  if (task.restartWith !== true) return false;
  return restartWithEnded(record) || restartedDependency(record, byName()) !== null;
}

// Logs each distinct corrupt-record error once per Executor, so a bad file does not flood the log.
function reportErrors(rt: Runtime, errors: ReadonlyMap<string, Error>): void {
  for (const [name, error] of errors) {
    const key = `${name}:${error.message}`;
    if (rt.reportedErrors.has(key)) continue;
    rt.reportedErrors.add(key);
    rt.warn(`Skipping task ${name}: ${error.message}`, name, 'ERR_CORRUPT_RECORD');
  }
}

const REPORT_KEY: Partial<Record<StepKind, keyof Pick<TickReport, 'closed' | 'restarted' | 'fired' | 'skipped' | 'backoff' | 'queued'>>> = {
  closed: 'closed', restarted: 'restarted', fired: 'fired', skipped: 'skipped', backoff: 'backoff', queued: 'queued',
};

// Runs past their `timeout` are stopped by the supervisor, or by the process that started them.
function enforceRunLimits(rt: Runtime, name: string, run: CurrentRun, supervise: boolean, now: number): void {
  if (isRemote(rt, run)) return; // cluster mode: its host enforces them
  if (!supervise && ownSpawn(rt, run) === undefined) return;
  // Cluster mode: a stop asked from another host (the run marked) is carried out by this, its host.
  if (supervise && rt.hosts !== null && run.stopRequested && run.kill === null && !isDeadRun(rt, run)) { resumeKill(rt, name, run); return; }
  // Marked for a kill that never finished (its killer died in between): finish it.
  if (run.kill !== null) { if (supervise && !isDeadRun(rt, run)) resumeKill(rt, name, run); return; }
  if (run.deadline === null || Date.parse(run.deadline) > now) return;
  if (rt.killing.has(run.runId)) return;
  rt.killing.add(run.runId);
  void killRun(rt, name, run.runId, 'timeout', { pid: run.pid }).finally(() => rt.killing.delete(run.runId));
}

// The per-pass loops below walk arrays by index and never copy a record's runs: a pass runs about once a second,
// in code V8 leaves unoptimized, where every `for…of` step and every spread is an allocation.
function enforceLimits(rt: Runtime, records: readonly TaskRecord[], supervise: boolean, now: number): void {
  for (let i = 0; i < records.length; i++) {
    const { task, state } = records[i]!;
    if (state.run !== null) enforceRunLimits(rt, task.name, state.run, supervise, now);
    for (let j = 0; j < state.extraRuns.length; j++) enforceRunLimits(rt, task.name, state.extraRuns[j]!, supervise, now);
  }
}

// maxMemory: sample the trees of live runs that have a limit (supervisor only).
async function enforceMemory(rt: Runtime, records: readonly TaskRecord[]): Promise<void> {
  let checks: Promise<void>[] | null = null;
  for (let i = 0; i < records.length; i++) {
    const { maxMemory, name } = records[i]!.task;
    const run = records[i]!.state.run;
    if (maxMemory === null || !run || run.kill !== null || rt.killing.has(run.runId)) continue;
    (checks ??= []).push(rt.usage.sample(runIdentity(run)).then((usage) => {
      if (!usage || usage.rss <= maxMemory || rt.killing.has(run.runId)) return;
      rt.killing.add(run.runId);
      void killRun(rt, name, run.runId, 'memory', { rss: usage.rss, maxMemory, pid: run.pid }).finally(() => rt.killing.delete(run.runId));
    }, () => undefined));
  }
  if (checks !== null) await Promise.all(checks);
}

// Cluster mode: a scheduled task whose only need is a due slot, which placement (from this host's view) gives to another
// host, is not locked here: every host taking each due task's lock only to learn that made the picked host's slots late.
// A wrong view is safe: the slot's row (cluster/slots.ts) lets one host run it.
function slotElsewhere(rt: Runtime, record: TaskRecord, records: readonly TaskRecord[], now: number): boolean {
  const { state } = record;
  if (rt.host === null || state.run !== null || state.extraRuns.length > 0 || state.queue.length > 0 || state.status === 'waiting') return false;
  const live = rt.hosts?.liveRows() ?? null;
  // Only a registered live host skips (a `tick()` counts as a host for its own pass; with no live host, as a folder).
  if (live === null || !live.some((h) => h.host === rt.host) || needsRestart(record, now) || !scheduleDue(record, now)) return false;
  return placementOf(record.task, live, records, rt.host).kind !== 'here';
}

// Names of the tasks a pass must lock: those needsAttention picks, less those with a reconciliation in flight (it
// re-reads the record under the lock anyway).
function attentionList(rt: Runtime, records: readonly TaskRecord[], supervise: boolean, now: number, leadMs: number): string[] {
  const todo: string[] = [];
  let table: Map<string, TaskRecord> | null = null;
  const byName = (): ReadonlyMap<string, TaskRecord> => (table ??= new Map(records.map((r) => [r.task.name, r])));
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    let needed: boolean;
    try {
      needed = needsAttention(rt, record, supervise, now, leadMs) || (supervise && dependencyAttention(record, byName));
    } catch {
      needed = true; // reconcileTask re-reads it under the lock and reports what is wrong
    }
    if (needed && supervise && slotElsewhere(rt, record, records, now)) continue;
    if (needed && !rt.reconciling.has(record.task.name)) todo.push(record.task.name);
  }
  return todo;
}

/** Runs one pass; `supervise` enables restarts and schedules (lease holders only). */
export async function runPass(rt: Runtime, supervise: boolean, full = false, leadMs = 0): Promise<TickReport> {
  const report: TickReport = { supervised: supervise, closed: [], restarted: [], fired: [], skipped: [], backoff: [], queued: [], errors: [], nextWakeAt: null };
  // Cluster mode: a supervisor just thawed from a freeze (its own heartbeat stale) acts on nothing until a heartbeat
  // tells it whether it still holds its host (if not, it stops supervising; its runs were stopped by its watchdog).
  if (supervise && rt.supervisor !== null && rt.hosts?.beatStale() === true) return report;
  if (supervise) await processInbox(rt); // events written by other processes
  const table = await rt.store.table({ full });
  await rt.hosts?.refresh(); // cluster mode: which hosts are alive (another host's runs are live while it is)
  if (supervise && rt.hosts !== null && (await noticeDeadHosts(rt)).length > 0) await rt.hosts.refresh(true);
  if (supervise && rt.hosts !== null) await takeJobs(rt).catch((error: Error) => rt.log(`Could not claim runs handed to the hosts: ${error.message}`));
  reportErrors(rt, table.errors);
  report.errors.push(...table.errors.keys());
  const now = rt.now();
  const records = recordsOf(table.records);
  enforceLimits(rt, records, supervise, now);
  if (supervise) await enforceMemory(rt, records);
  const todo = attentionList(rt, records, supervise, now, leadMs);
  await Promise.all(todo.map(async (name) => {
    try {
      for (const kind of new Set(await reconcileTask(rt, name, supervise, null, leadMs))) {
        const key = REPORT_KEY[kind];
        if (key) report[key].push(name);
      }
    } catch (error) {
      report.errors.push(name);
      rt.log(`Error while reconciling ${name}: ${(error as Error).message}`);
      rt.emitter.emit('error', error as Error, { name });
    }
  }));
  if (supervise) report.nextWakeAt = await nextWake(rt);
  return report;
}

// The records of a table, as an array (Map.prototype.forEach makes no iterator result per entry).
function recordsOf(map: ReadonlyMap<string, TaskRecord>): TaskRecord[] {
  const records: TaskRecord[] = [];
  map.forEach((record) => { records.push(record); });
  return records;
}

async function nextWake(rt: Runtime): Promise<number | null> {
  const after = recordsOf((await rt.store.table({ refresh: false })).records); // our own writes are already in the cache
  const now = rt.now();
  let next: number | null = null;
  for (let i = 0; i < after.length; i++) {
    let wake: number | null = null;
    try { wake = nextWakeOf(after[i]!, now); } catch { wake = null; }
    // A waiting task (a start, a restart or a scheduled slot held for its dependencies) is rechecked soon.
    if (after[i]!.state.status === 'waiting' && after[i]!.state.run === null) wake = Math.min(wake ?? Infinity, now + WAITING_RECHECK_MS);
    if (wake !== null && (next === null || wake < next)) next = wake;
  }
  return next;
}
