// waitFor: resolve when a task reaches a status, without the caller sleep-polling.
import { InvalidOptionError, WaitTimeoutError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { TaskStatus } from '../store/records.js';
import { runLive } from '../run/own.js';
import { checkTimerMs } from '../schedule/timer.js';
import { reconcileTask } from '../supervisor/reconcile.js';
import { assertTaskName } from './name.js';
import { taskRow, type TaskRow } from './rows.js';
import { taskNotFound } from './suggest.js';
import type { AbortSignalLike } from '../signal-types.js';

/** Options of `waitFor`. */
export interface WaitForOptions {
  /**
   * Give up after this many milliseconds with `WaitTimeoutError`: > 0 and at most `MAX_TIMER_MS` (2^31 − 1, about 24.8 days).
   * @defaultValue 60000
   */
  timeout?: number;
  /**
   * Stop waiting: rejects with the signal's reason (an `AbortError`); the task is left as it is. In a Node REPL,
   * Ctrl-C does the same.
   * @defaultValue none
   */
  signal?: AbortSignalLike;
}

/** Default `timeout` of `waitFor`. */
export const DEFAULT_WAIT_TIMEOUT_MS = 60_000;
/** How often `waitFor` re-reads the record, for changes made by other processes (ms). */
export const WAIT_POLL_MS = 25;
const STATUSES: readonly TaskStatus[] = ['idle', 'running', 'backoff', 'scheduled', 'succeeded', 'failed', 'stopped', 'waiting'];

/** Checked arguments of `waitFor`. */
export interface WaitArgs { name: string; states: TaskStatus[]; timeoutMs: number; signal: AbortSignalLike | null }

/** Validates `waitFor(name, state, options)`. */
export function checkWaitArgs(name: unknown, state: unknown, options: unknown): WaitArgs {
  assertTaskName(name);
  const states = Array.isArray(state) ? state : [state];
  if (states.length === 0 || !states.every((s) => STATUSES.includes(s as TaskStatus))) throw new InvalidOptionError('state', `one of ${STATUSES.join(', ')} (or an array of them)`, state);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options ?? {})) if (key !== 'timeout' && key !== 'signal') throw new InvalidOptionError('options', 'made of known options (timeout, signal)', key);
  const o = (options ?? {}) as WaitForOptions;
  const timeout = checkTimerMs(o.timeout ?? DEFAULT_WAIT_TIMEOUT_MS, 'timeout');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', o.signal);
  return { name, states: states as TaskStatus[], timeoutMs: timeout, signal: o.signal ?? null };
}

/** Waits until task `name` has one of `states`; the pending timer keeps Node alive meanwhile. */
export async function waitForStatus(rt: Runtime, { name, states, timeoutMs, signal }: WaitArgs): Promise<TaskRow> {
  const deadline = Date.now() + timeoutMs;
  let last: TaskStatus | null = null;
  for (;;) {
    if (signal?.aborted) throw signal.reason;
    let record = await rt.store.readTask(name);
    const run = record?.state.run;
    if (run && !runLive(rt, run)) {
      await reconcileTask(rt, name, false); // its run died unseen: record the exit first
      record = await rt.store.readTask(name);
    }
    if (!record) throw await taskNotFound(rt, name);
    last = record.state.status;
    if (states.includes(last)) return taskRow(rt.id, record, rt.now());
    if (Date.now() >= deadline) throw new WaitTimeoutError(`task ${JSON.stringify(name)} to be ${states.join(' or ')}`, timeoutMs, last);
    await new Promise<void>((resolveWait) => {
      const wake = (e: { name: string }) => { if (e.name === name) done(); };
      const timer = setTimeout(() => done(), Math.min(WAIT_POLL_MS, Math.max(0, deadline - Date.now())));
      const done = () => {
        clearTimeout(timer);
        for (const ev of ['start', 'exit', 'stop', 'backoff'] as const) rt.emitter.off(ev, wake);
        signal?.removeEventListener('abort', done);
        resolveWait();
      };
      for (const ev of ['start', 'exit', 'stop', 'backoff'] as const) rt.emitter.on(ev, wake);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
