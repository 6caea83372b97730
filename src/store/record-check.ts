// Checks that a parsed record file has the shape of a task record or a run record (older records get new fields' defaults).
import { CorruptRecordError } from '../errors.js';
import { isAbsolute } from 'node:path';
import { parseCron } from '../schedule/cron.js';
import { parsePeriod } from '../schedule/period.js';
import { assertTimezone } from '../schedule/start.js';
import { fillDefaults, fillLedgerDefaults } from './defaults.js';
import { FORMAT_VERSION, type RunRecord, type TaskRecord, type TaskStatus } from './records.js';

const STATUSES: readonly TaskStatus[] = ['idle', 'running', 'backoff', 'scheduled', 'succeeded', 'failed', 'stopped', 'waiting'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a parsed task file, throwing `CorruptRecordError` (naming `file`) on a bad shape. */
export function checkTaskRecord(file: string, value: unknown, expectedName: string): TaskRecord {
  const fail = (why: string): never => {
    throw new CorruptRecordError(file, why);
  };
  if (!isObject(value)) return fail('a non-object');
  if (value.formatVersion !== FORMAT_VERSION) fail(`formatVersion ${JSON.stringify(value.formatVersion)} (expected ${FORMAT_VERSION})`);
  const { task, state } = value;
  if (!isObject(task) || !isObject(state)) return fail('no `task` or `state` object');
  if (task.name !== expectedName) fail(`task.name ${JSON.stringify(task.name)} for file of task ${JSON.stringify(expectedName)}`);
  fillDefaults(expectedName, task, state);
  for (const key of ['script', 'wd', 'addedAt'] as const) if (typeof task[key] !== 'string') fail(`task.${key} that is not a string`);
  if (!isObject(task.env) || !Object.values(task.env).every((v) => typeof v === 'string')) fail('task.env that is not a map of strings');
  for (const key of ['args', 'command'] as const) {
    if (!Array.isArray(task[key]) || !(task[key] as unknown[]).every((v) => typeof v === 'string')) fail(`task.${key} that is not a string array`);
  }
  if (typeof task.infiniteLoop !== 'boolean') fail('task.infiniteLoop that is not a boolean');
  if (!STATUSES.includes(state.status as TaskStatus)) fail(`state.status ${JSON.stringify(state.status)}`);
  if (state.run !== null && !isObject(state.run)) fail('state.run that is neither null nor an object');
  if (isObject(state.run) && (typeof state.run.pid !== 'number' || typeof state.run.runId !== 'string')) fail('state.run without pid or runId');
  if (!Array.isArray(state.archives)) fail('state.archives that is not an array');
  if (!Array.isArray(state.restartTimes)) fail('state.restartTimes that is not an array');
  if (!Array.isArray(state.extraRuns) || !state.extraRuns.every((r) => isObject(r) && typeof r.pid === 'number' && typeof r.runId === 'string')) fail('state.extraRuns that is not an array of runs');
  if (!Array.isArray(state.queue) || !state.queue.every((q) => isObject(q) && typeof q.runId === 'string')) fail('state.queue that is not an array of queued runs');
  checkSchedule(task, fail);
  checkSecretsRef(task.secretsRef, fail);
  return value as unknown as TaskRecord;
}

// `task.secretsRef` names a file of the secrets store: a hand-edited one must not lead a start outside it (`../`).
function checkSecretsRef(ref: unknown, fail: (why: string) => never): void {
  if (ref === undefined || ref === null) return;
  if (!isObject(ref) || typeof ref.gen !== 'string' || !/^[0-9a-f]{16}$/.test(ref.gen) || typeof ref.root !== 'string' || !isAbsolute(ref.root)) {
    fail('task.secretsRef that is not { gen: 16 hex digits, root: an absolute path }');
  }
}

// A hand-edited period, start or timezone must not break every pass of the supervisor later.
function checkSchedule(task: Record<string, unknown>, fail: (why: string) => never): void {
  try {
    if (task.period !== null) parsePeriod(task.period, 'task.period');
    if (task.timezone !== null) assertTimezone(task.timezone);
    if (task.cron !== null) parseCron(task.cron, task.timezone as string | null, 'task.cron');
  } catch (error) {
    fail(`a bad schedule (${(error as Error).message})`);
  }
  if (task.period !== null && !Number.isFinite(Date.parse(String(task.start ?? task.addedAt)))) fail('task.start that is not a date');
  if (task.maxRestarts !== null && !(Number.isInteger(task.maxRestarts) && (task.maxRestarts as number) > 0)) fail('task.maxRestarts that is not a positive integer or null');
  if (task.period !== null && task.cron !== null) fail('both task.period and task.cron');
  if (!['none', 'one', 'all'].includes(task.catchUp as string)) fail(`task.catchUp ${JSON.stringify(task.catchUp)}`);
  if (!['skip', 'queue', 'replace', 'allow'].includes(task.overlap as string)) fail(`task.overlap ${JSON.stringify(task.overlap)}`);
  if (!(Number.isFinite(task.jitterMs) && (task.jitterMs as number) >= 0)) fail('task.jitterMs that is not a number >= 0');
  const alert = task.alert;
  if (alert !== null && alert !== false && !(isObject(alert) && Array.isArray(alert.on) && Array.isArray(alert.channels))) fail('task.alert that is not null, false or an alert setting');
  if (!(Number.isInteger(task.maxCatchUp) && (task.maxCatchUp as number) >= 1)) fail('task.maxCatchUp that is not an integer >= 1');
}

/** Checks a parsed run ledger file. */
export function checkRunRecord(file: string, value: unknown): RunRecord {
  if (!isObject(value) || typeof value.runId !== 'string' || typeof value.task !== 'string') {
    throw new CorruptRecordError(file, 'a run record without runId or task');
  }
  fillLedgerDefaults(value); // written before these fields existed
  return value as unknown as RunRecord;
}
