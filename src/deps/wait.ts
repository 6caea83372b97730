// Waiting for a dependency to be ready, with its `readyTimeout` as the deadline.
import { ReadyTimeoutError } from '../errors/task.js';

export { ReadyTimeoutError };
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import { DEFAULT_READY_TIMEOUT_MS } from '../task/options-deps.js';
import { afterMsLeft, notReady } from './ready.js';

/** How often a wait re-checks a dependency that is not ready (port, file, line, status), ms. */
export const READY_POLL_MS = 25;


/** How long a dependent's start waits for `record`'s task to be ready, ms. */
export function readyTimeoutOf(record: TaskRecord): number {
  return record.task.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
}

/**
 * Resolves once task `dependency` is ready (see `notReady`); rejects with {@link ReadyTimeoutError} after the waiting
 * task's `readyTimeout`, else the dependency's, else 30 s. A dependency that was removed counts as ready (nothing to wait for). `onWaiting` hears each new reason.
 * @example `await waitReady(rt, 'db', 'api')`
 */
export async function waitReady(rt: Runtime, dependency: string, task: string, onWaiting?: (reason: string) => void): Promise<void> {
  let deadline: number | null = null;
  let timeoutMs = 0;
  let last = '';
  // The waiting task's own `readyTimeout` wins; else the dependency's; else 30 s.
  const own = task === dependency ? undefined : (await rt.store.readTask(task).catch(() => null))?.task.readyTimeoutMs;
  for (;;) {
    const record = await rt.store.readTask(dependency);
    if (record === null) return;
    if (deadline === null) {
      timeoutMs = own ?? readyTimeoutOf(record);
      deadline = Date.now() + timeoutMs;
    }
    const reason = await notReady(rt, record);
    if (reason === null) return;
    if (reason !== last) { last = reason; onWaiting?.(reason); }
    const left = deadline - Date.now();
    if (left <= 0) throw new ReadyTimeoutError(task, dependency, timeoutMs, reason);
    // An `afterMs` check of a live run is due at a known time: sleep until then, not by polls.
    const due = record.state.status === 'running' ? afterMsLeft(record, rt.now()) : null;
    await new Promise((resolve) => setTimeout(resolve, Math.min(left, due !== null && due > 0 ? due : READY_POLL_MS)));
  }
}
