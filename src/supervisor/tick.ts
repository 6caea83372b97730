// A full pass over the table, using the cache so an idle table of 10,000 tasks costs little.
import { processInbox } from '../event/inbox.js';
import type { Runtime } from '../runtime.js';
import { liveRuns } from '../run/close.js';
import { killRun, resumeKill } from '../run/kill.js';
import { isDeadRun } from './wake.js';
import { ownSpawn } from '../run/own.js';
import { runIdentity } from '../run/tree.js';
import type { TaskRecord } from '../store/records.js';
import { needsAttention, nextWakeOf, reconcileTask, type StepKind, type TickReport } from './reconcile.js';

// Logs each distinct corrupt-record error once per Executor, so a bad file does not flood the log.
function reportErrors(rt: Runtime, errors: Map<string, Error>): void {
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
function enforceLimits(rt: Runtime, records: Iterable<TaskRecord>, supervise: boolean, now: number): void {
  for (const record of records) {
    for (const run of liveRuns(record)) {
      if (!supervise && ownSpawn(rt, run) === undefined) continue;
      // Marked for a kill that never finished (its killer died in between): finish it.
      if (run.kill !== null) { if (supervise && !isDeadRun(rt, run)) resumeKill(rt, record.task.name, run); continue; }
      if (run.deadline === null || Date.parse(run.deadline) > now) continue;
      if (rt.killing.has(run.runId)) continue;
      rt.killing.add(run.runId);
      void killRun(rt, record.task.name, run.runId, 'timeout', { pid: run.pid }).finally(() => rt.killing.delete(run.runId));
    }
  }
}

// maxMemory: sample the trees of live runs that have a limit (supervisor only).
async function enforceMemory(rt: Runtime, records: Iterable<TaskRecord>): Promise<void> {
  const checks: Promise<void>[] = [];
  for (const record of records) {
    const { maxMemory, name } = record.task;
    const run = record.state.run;
    if (maxMemory === null || !run || run.kill !== null || rt.killing.has(run.runId)) continue;
    checks.push(rt.usage.sample(runIdentity(run)).then((usage) => {
      if (!usage || usage.rss <= maxMemory || rt.killing.has(run.runId)) return;
      rt.killing.add(run.runId);
      void killRun(rt, name, run.runId, 'memory', { rss: usage.rss, maxMemory, pid: run.pid }).finally(() => rt.killing.delete(run.runId));
    }, () => undefined));
  }
  await Promise.all(checks);
}

/** Runs one pass; `supervise` enables restarts and schedules (lease holders only). */
export async function runPass(rt: Runtime, supervise: boolean, full = false, leadMs = 0): Promise<TickReport> {
  const report: TickReport = { supervised: supervise, closed: [], restarted: [], fired: [], skipped: [], backoff: [], queued: [], errors: [], nextWakeAt: null };
  if (supervise) await processInbox(rt); // events written by other processes
  const table = await rt.store.table({ full });
  reportErrors(rt, table.errors);
  report.errors.push(...table.errors.keys());
  const now = rt.now();
  enforceLimits(rt, table.records.values(), supervise, now);
  if (supervise) await enforceMemory(rt, table.records.values());
  const todo = [...table.records.values()].filter((r) => {
    try {
      return needsAttention(rt, r, supervise, now, leadMs);
    } catch {
      return true; // reconcileTask re-reads it under the lock and reports what is wrong
    }
  }).map((r) => r.task.name).filter((name) => !rt.reconciling.has(name)); // one in flight already re-reads it under the lock
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

async function nextWake(rt: Runtime): Promise<number | null> {
  const after = await rt.store.table({ refresh: false }); // our own writes are already in the cache
  let next: number | null = null;
  for (const record of after.records.values()) {
    let wake: number | null = null;
    try { wake = nextWakeOf(record, rt.now()); } catch { wake = null; }
    if (wake !== null && (next === null || wake < next)) next = wake;
  }
  return next;
}
