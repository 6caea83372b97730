// Manual and backfill runs: runTask (one extra run now), runTasks (runner's run-jobs lines), waitRun.
import pMap from 'p-map';
import { InvalidOptionError, InvalidStartError, InvalidTriggerError, WaitTimeoutError } from '../errors.js';
import { checkPayload } from '../program/payload.js';
import { assertRunId, findRun, repairOrphan } from '../run/find.js';
import { liveRuns } from '../run/close.js';
import { assertStartable } from '../run/launch.js';
import { stopUnrecorded } from '../run/tree.js';
import type { Runtime } from '../runtime.js';
import { parseStart } from '../schedule/start.js';
import { checkTimerMs } from '../schedule/timer.js';
import type { RunRecord } from '../store/records.js';
import { announceLaunch } from '../supervisor/announce.js';
import { releaseSlot } from '../run/gate.js';
import { reconcileTask } from '../supervisor/reconcile.js';
import { launchOrQueue, newContext } from '../supervisor/steps.js';
import { handsOver } from '../cluster/placement-step.js';
import { handToHosts } from '../cluster/hand-run.js';
import { isDeadRun } from '../supervisor/wake.js';
import { assertTaskName } from './name.js';
import { settleFound } from './settle.js';
import { checkArgs, checkEnv } from './options.js';
import { runNotFound, taskNotFound } from './suggest.js';
import type { AbortSignalLike } from '../signal-types.js';

/** Options of `runTask`. */
export interface RunTaskOptions {
  /**
   * The date this run is made for (a backfill), e.g. `'2019-01-01T08:00:00'` or runner's `'2019-01-01/08:00:00'`;
   * wall-clock strings are read in the task's timezone. The script gets it as `EXECUTOR_TRIGGER` (ISO, UTC).
   * @defaultValue none (then `EXECUTOR_TRIGGER` is the start time)
   */
  trigger?: string | Date | number;
  /** Arguments for this run only, instead of the task's. */
  args?: ReadonlyArray<string | number>;
  /** Environment variables for this run only, added to the task's (script tasks only: a program takes `data`). */
  env?: Record<string, string | number | boolean>;
  /**
   * The run's input, any JSON value up to 1 MB: a program's steps read it from `EXECUTOR_RUN_FILE` (so does a script
   * task's run, given `data`). Recorded as the run's `data`.
   * @defaultValue null
   */
  data?: unknown;
}

/** Options of `waitRun`. */
export interface WaitRunOptions {
  /** Give up after this many ms with `WaitTimeoutError`: > 0 and at most `MAX_TIMER_MS` (2^31 − 1), or `Infinity`. @defaultValue no limit (`Infinity`) */
  timeout?: number;
  /** Stop waiting: rejects with the signal's reason (an `AbortError`); the run goes on. @defaultValue none */
  signal?: AbortSignalLike;
}

/** Options of `runTasks`. */
export interface RunTasksOptions {
  /** How many of the runs may be live at once (a safe integer >= 1); they start in the order given. @defaultValue 1 */
  concurrency?: number;
}

/** One line of `runTasks`: a task name and an optional trigger date. */
export interface RunLine { name: string; trigger?: string | Date | number }

// runner writes a trigger as `2019-01-01/08:00:00`; ISO uses `T`.
const RUNNER_DATE_SEPARATOR = /^(\d{4}-\d{2}-\d{2})\/(\d)/;
/** How often `waitRun` re-reads the ledger for runs ended in other processes (ms); its own runs wake it at once. */
export const WAIT_RUN_POLL_MS = 100;

/** Parses a trigger date (ISO, runner's `YYYY-MM-DD/HH:MM:SS`, Date or epoch ms) into ISO UTC. */
export function parseTrigger(value: unknown, timezone: string | null, option = 'trigger'): string {
  const input = typeof value === 'string' ? value.trim().replace(RUNNER_DATE_SEPARATOR, '$1T$2') : value;
  if (typeof input === 'string' && input.length === 0) throw new InvalidTriggerError(value, option);
  try {
    return new Date(parseStart(input, timezone)).toISOString();
  } catch (error) {
    if (error instanceof InvalidStartError) throw new InvalidTriggerError(value, option);
    throw error;
  }
}

function checkRunTaskOptions(options: unknown): RunTaskOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options)) if (!['trigger', 'args', 'env', 'data'].includes(key)) throw new InvalidOptionError('options', 'made of known options (trigger, args, env, data)', key);
  return options as RunTaskOptions;
}

/** Starts one run of `name` now (an extra run next to a live one), or queues it under maxConcurrent; resolves with its runId. */
export async function runTask(rt: Runtime, name: unknown, options: unknown): Promise<string> {
  assertTaskName(name);
  const o = checkRunTaskOptions(options);
  const args = o.args === undefined ? null : checkArgs(o.args);
  const env = o.env === undefined ? null : checkEnv(o.env);
  const data = o.data === undefined ? null : checkPayload(o.data, 'data').value;
  const existing = await rt.store.readTask(name);
  if (!existing) throw await taskNotFound(rt, name);
  if (existing.task.steps !== null) {
    if (o.args !== undefined) throw new InvalidOptionError('args', 'absent for a program (steps have their own args; pass `data`)', o.args);
    if (o.env !== undefined) throw new InvalidOptionError('env', 'absent for a program (steps have their own env; pass `data`)', o.env);
  }
  const triggerTime = o.trigger === undefined ? null : parseTrigger(o.trigger, existing.task.timezone);
  const req = { trigger: 'manual' as const, scheduledFor: null, triggerTime, args, env, oneOff: true, data };
  // Cluster mode: a process that does not supervise (or may not run the task) hands the run to the hosts.
  if (await handsOver(rt, existing.task)) return handToHosts(rt, existing.task, req);
  // A main run that ended with nobody there to record it is closed first, so this run becomes the main run.
  if (liveRuns(existing).some((r) => isDeadRun(rt, r))) await reconcileTask(rt, name, rt.supervisor !== null);
  const ctx = newContext();
  const runId = await rt.store.mutateTask(name, async (record) => {
    if (!record) throw await taskNotFound(rt, name);
    assertStartable(record);
    const [next, kind] = await launchOrQueue(rt, record, req, ctx);
    if (kind === 'gave-up') throw ctx.error ?? new Error(`Could not start ${name}`);
    const id = ctx.launches[0]?.run.runId ?? next.state.queue[next.state.queue.length - 1]!.runId;
    return { record: next, result: id, sideWrites: ctx.launches.map((l) => l.ledgerWrite) };
  }).catch(async (error: unknown) => {
    // The run was spawned but could not be recorded: stop it rather than leave a process nobody knows about.
    await stopUnrecorded(rt, ctx.launches);
    throw error;
  }).finally(() => releaseSlot(rt, ctx.reserved));
  rt.runOwners.set(runId, name);
  for (const emit of ctx.deferred) emit();
  for (const launched of ctx.launches) announceLaunch(rt, launched);
  return runId;
}

/** Resolves with the run's ledger record once it has ended. */
export async function waitRun(rt: Runtime, runId: unknown, options: WaitRunOptions = {}): Promise<RunRecord> {
  assertRunId(runId);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) throw new InvalidOptionError('options', 'an object', options);
  const timeout = options?.timeout ?? Infinity;
  if (timeout !== Infinity) checkTimerMs(timeout, 'timeout');
  const signal = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', signal);
  const deadline = Date.now() + timeout;
  for (;;) {
    signal?.throwIfAborted();
    const found = await findRun(rt, runId);
    if (!found) throw await runNotFound(rt, runId);
    await settleFound(rt, found);
    if (await repairOrphan(rt, found)) continue;
    if (found.ledger?.endedAt) {
      rt.runOwners.delete(runId);
      return found.ledger;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(`run ${runId} to end`, timeout, found.queued ? 'queued' : 'running');
    await new Promise<void>((done) => {
      const wake = (e: { runId: string }) => { if (e.runId === runId) finish(); };
      const timer = setTimeout(() => finish(), Math.min(WAIT_RUN_POLL_MS, Math.max(0, deadline - Date.now())));
      const finish = () => { clearTimeout(timer); rt.emitter.off('exit', wake); signal?.removeEventListener('abort', finish); done(); };
      rt.emitter.on('exit', wake);
      signal?.addEventListener('abort', finish, { once: true });
    });
  }
}

/** Parses runner's run-jobs lines (`name [trigger]`, `#` comments and blank lines skipped). */
export function parseRunLines(lines: unknown): RunLine[] {
  const list = typeof lines === 'string' ? lines.split(/\r?\n/) : lines;
  if (!Array.isArray(list)) throw new InvalidOptionError('lines', "a string of 'name trigger' lines, an array of them, or an array of { name, trigger }", lines);
  return list.flatMap((line, i): RunLine[] => {
    if (typeof line === 'object' && line !== null && !Array.isArray(line)) return [line as RunLine];
    if (typeof line !== 'string') throw new InvalidOptionError(`lines[${i}]`, "a 'name trigger' line", line);
    const text = line.trim();
    if (text === '' || text.startsWith('#')) return [];
    const [name, trigger, ...rest] = text.split(/\s+/);
    if (rest.length > 0) throw new InvalidOptionError(`lines[${i}]`, "a 'name trigger' line (two fields)", line);
    return [trigger === undefined ? { name: name! } : { name: name!, trigger }];
  });
}

/** Runs each line's task once (with its trigger), in order, at most `concurrency` at a time; resolves with their records in line order. */
export async function runTasks(rt: Runtime, lines: unknown, options: unknown): Promise<RunRecord[]> {
  const items = parseRunLines(lines);
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) throw new InvalidOptionError('options', 'an object', options);
  for (const key of Object.keys(options ?? {})) if (key !== 'concurrency') throw new InvalidOptionError('options', 'made of known options (concurrency)', key);
  const concurrency = (options as RunTasksOptions | undefined)?.concurrency ?? 1;
  if (!(Number.isSafeInteger(concurrency) && concurrency >= 1)) throw new InvalidOptionError('concurrency', `an integer from 1 to ${Number.MAX_SAFE_INTEGER}`, concurrency);
  for (const [i, item] of items.entries()) {
    assertTaskName(item.name);
    const record = await rt.store.readTask(item.name);
    if (!record) throw await taskNotFound(rt, item.name);
    assertStartable(record);
    if (item.trigger !== undefined) parseTrigger(item.trigger, record.task.timezone, `lines[${i}].trigger`);
  }
  return pMap(items, async (item) => waitRun(rt, await runTask(rt, item.name, item.trigger === undefined ? {} : { trigger: item.trigger })), { concurrency });
}
