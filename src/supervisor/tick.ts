// A full pass over the table, using the cache so an idle table of 10,000 tasks costs little.
import type { Runtime } from '../runtime.js';
import { needsAttention, nextWakeOf, reconcileTask, type TickReport } from './reconcile.js';

// Logs each distinct corrupt-record error once per Executor, so a bad file does not flood the log.
function reportErrors(rt: Runtime, errors: Map<string, Error>): void {
  for (const [name, error] of errors) {
    const key = `${name}:${error.message}`;
    if (rt.reportedErrors.has(key)) continue;
    rt.reportedErrors.add(key);
    rt.warn(`Skipping task ${name}: ${error.message}`, name, 'ERR_CORRUPT_RECORD');
  }
}

/** Runs one pass; `supervise` enables restarts and schedules (lease holders only). */
export async function runPass(rt: Runtime, supervise: boolean, full = false): Promise<TickReport> {
  const report: TickReport = { supervised: supervise, closed: [], restarted: [], fired: [], skipped: [], backoff: [], errors: [], nextWakeAt: null };
  const table = await rt.store.table({ full });
  reportErrors(rt, table.errors);
  report.errors.push(...table.errors.keys());
  const now = rt.now();
  const todo = [...table.records.values()].filter((r) => {
    try {
      return needsAttention(rt, r, supervise, now);
    } catch {
      return true; // reconcileTask re-reads it under the lock and reports what is wrong
    }
  }).map((r) => r.task.name);
  await Promise.all(todo.map(async (name) => {
    try {
      for (const kind of await reconcileTask(rt, name, supervise)) {
        if (kind === 'closed') report.closed.push(name);
        else if (kind === 'restarted') report.restarted.push(name);
        else if (kind === 'fired') report.fired.push(name);
        else if (kind === 'skipped') report.skipped.push(name);
        else if (kind === 'backoff') report.backoff.push(name);
      }
    } catch (error) {
      report.errors.push(name);
      rt.log(`Error while reconciling ${name}: ${(error as Error).message}`);
      rt.emitter.emit('error', error as Error, { name });
    }
  }));
  if (supervise) {
    const after = await rt.store.table({ refresh: false }); // our own writes are already in the cache
    for (const record of after.records.values()) {
      let wake: number | null = null;
      try { wake = nextWakeOf(record, rt.now()); } catch { wake = null; }
      if (wake !== null && (report.nextWakeAt === null || wake < report.nextWakeAt)) report.nextWakeAt = wake;
    }
  }
  return report;
}
