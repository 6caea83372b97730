// The supervisor's dependency gate: a task whose dependencies are not ready waits (status `waiting`, with the reason)
// instead of being restarted into a crash loop; a `restartWith` task is restarted when a dependency restarts.
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import { notReady } from './ready.js';

/** Where a `restartWith` restart starts the reason it waits for (then the dependency's name). */
export const RESTART_WITH_PREFIX = 'restarting with ';

/**
 * Why `record`'s task may not start now (the first dependency that is not ready, e.g. `db is failed`), or null when
 * every dependency is ready (or it has none). A dependency that no longer exists (removed with `force`) is ignored.
 * @example `await dependencyGate(rt, apiRecord) // 'db not ready (no TCP connection on port 5432 yet)'`
 */
export async function dependencyGate(rt: Runtime, record: TaskRecord): Promise<string | null> {
  for (const dep of record.task.dependsOn ?? []) {
    if (dep === record.task.name) continue;
    const depRecord = await rt.store.readTask(dep).catch(() => null);
    if (depRecord === null) continue;
    const why = await notReady(rt, depRecord);
    if (why !== null) return why;
  }
  return null;
}

/**
 * The dependency of a `restartWith` task that was restarted (a `restart` run started) after the task's live run
 * started, or null. `records`: the table, by name.
 * @example `restartedDependency(api, table) // 'db'`
 */
export function restartedDependency(record: TaskRecord, records: ReadonlyMap<string, TaskRecord>): string | null {
  const run = record.state.run;
  if (record.task.restartWith !== true || run === null || run.kill !== null || run.stopRequested) return null;
  const since = Date.parse(run.startedAt);
  for (const dep of record.task.dependsOn ?? []) {
    const depRun = records.get(dep)?.state.run;
    if (depRun && depRun.trigger === 'restart' && Date.parse(depRun.startedAt) > since) return dep;
  }
  return null;
}

/**
 * True when two waiting reasons say the same but for the running time (`running 0.4 s of 1 s`), so a waiting task's
 * record is not rewritten on every pass.
 */
export function sameReason(a: string | null | undefined, b: string | null | undefined): boolean {
  const plain = (s: string | null | undefined): string => (s ?? '').replace(/\d+(\.\d+)? s of/g, 's of');
  return plain(a) === plain(b);
}

/**
 * True when a `restartWith` stop left the task to wait: its run was killed for it (`waitingFor` kept through the
 * close) and nothing stopped it by hand since.
 */
export function restartWithEnded(record: TaskRecord): boolean {
  const { state } = record;
  return state.run === null && state.status !== 'waiting' && (state.status === 'failed' || state.status === 'succeeded')
    && state.lastKill === 'replace' && (state.waitingFor ?? '').startsWith(RESTART_WITH_PREFIX);
}
