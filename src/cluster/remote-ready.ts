// Cluster mode: is a dependency that runs on another host ready? Its `line`, `port` and `file` checks only make sense
// where it runs (its output file, its 127.0.0.1, its wd), so that host answers them, through the requests table.
import { ExecutorError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';
import { clusterOf } from './pg-store.js';
import { ask } from './requests.js';

/** The request kind a host answers with whether one of its tasks is ready (`notReady` run there). */
export const NOT_READY_REQUEST = 'notReady';

/** A `notReady` request: the task. */
export interface NotReadyRequest { name: string }

/** How long a readiness question waits for the dependency's host, ms (then it counts as not ready yet). */
export const READY_ASK_TIMEOUT_MS = 2_000;

/**
 * Why `record`'s live run on another host is not ready, asked of that host, or null when it is; a host that does not
 * answer in time is reported as such (not ready yet: the dependent waits, up to its `readyTimeout`).
 * @example `await remoteNotReady(rt, record, record.state.run!) // 'db not ready (no line matching /listening/ yet)'`
 */
export async function remoteNotReady(rt: Runtime, record: TaskRecord, run: CurrentRun): Promise<string | null> {
  const { db } = clusterOf(rt.store)!;
  const host = run.host!;
  try {
    return (await ask(db, host, NOT_READY_REQUEST, { name: record.task.name } satisfies NotReadyRequest, READY_ASK_TIMEOUT_MS)) as string | null;
  } catch (error) {
    const why = error instanceof ExecutorError ? error.message : String(error);
    return `${record.task.name} not ready (its host ${host} did not answer: ${why})`;
  }
}
