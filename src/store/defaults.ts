// Defaults of record fields added after format version 1 was first written: older records get them on read.

/** Defaults of the issue-3 task fields (also used to read records written before they existed). */
export const TASK_DEFAULTS = {
  cron: null, catchUp: 'one', maxCatchUp: 10, overlap: 'skip', jitterMs: 0, timeoutMs: null, header: true, timestamps: false,
  stderr: 'merge', maxOutputBytes: null, maxArchiveBytes: null, maxMemory: null, alert: null,
  steps: null, config: {} as Record<string, unknown>, retries: 3, retryExitCodes: [75] as number[], skipExitCodes: [] as number[],
  retryDelayMs: 1000, on: [] as string[], concurrency: null, keepRuns: 100, tags: [] as string[], description: null,
} as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const STATE_DEFAULTS = { enabled: true, extraRuns: [], queue: [], failing: false, lastKill: null, pinned: [], handledEvents: [] } as const;
const QUEUE_DEFAULTS = { oneOff: false, seq: 0, data: null, event: null } as const;
const LEDGER_DEFAULTS = {
  errorFile: null, triggerTime: null, queuedAt: null, timedOut: false, killedFor: null, event: null, data: null, step: null,
  stepRetryCount: 0, errorMessage: null, steps: [], saved: null,
} as const;
const RUN_DEFAULTS = { errorFile: null, deadline: null, triggerTime: null, queuedAt: null, kill: null, resumeStatus: null, program: null } as const;

// The defaults as [key, value] pairs, made once: every record of a table load goes through fillDefaults.
type Entries = readonly (readonly [string, unknown])[];
const TASK_ENTRIES: Entries = Object.entries(TASK_DEFAULTS);
const STATE_ENTRIES: Entries = Object.entries(STATE_DEFAULTS);
const RUN_ENTRIES: Entries = Object.entries(RUN_DEFAULTS);
const QUEUE_ENTRIES: Entries = Object.entries(QUEUE_DEFAULTS);
const LEDGER_ENTRIES: Entries = Object.entries(LEDGER_DEFAULTS);

// Sets each missing key of `target` to its default (a copy of an array or object default).
function fill(target: Record<string, unknown>, entries: Entries): void {
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i]!;
    if (!(key in target)) target[key] = copy(value);
  }
}

// Records written before a field existed get its default (in place), so older folders keep working.
/** Fills, in place, the fields a task record written before they existed lacks. */
export function fillDefaults(name: string, task: Record<string, unknown>, state: Record<string, unknown>): void {
  fill(task, TASK_ENTRIES);
  fill(state, STATE_ENTRIES);
  const extra = Array.isArray(state.extraRuns) ? (state.extraRuns as unknown[]) : [];
  for (let i = -1; i < extra.length; i++) {
    const run = i < 0 ? state.run : extra[i];
    if (!isObject(run)) continue;
    fill(run, RUN_ENTRIES);
    if (!('outputFile' in run)) run.outputFile = `${name}.txt`;
  }
  const queue = Array.isArray(state.queue) ? (state.queue as unknown[]) : [];
  for (let i = 0; i < queue.length; i++) {
    const item = queue[i];
    if (isObject(item)) fill(item, QUEUE_ENTRIES);
  }
}

// Array and object defaults are copied, so records never share (and mutate) one default value.
function copy<T>(value: T): T {
  return Array.isArray(value) ? ([...value] as T) : isObject(value) ? ({ ...value } as T) : value;
}

/** Fills, in place, the fields a run ledger record written before they existed lacks (status and times derived from the exit). */
export function fillLedgerDefaults(value: Record<string, unknown>): void {
  fill(value, LEDGER_ENTRIES);
  if (!('createdAt' in value)) value.createdAt = value.queuedAt ?? value.startedAt ?? null;
  const ended = typeof value.endedAt === 'string' ? value.endedAt : null;
  const ok = ended !== null && value.exitCode === 0 && value.stopped !== true && value.timedOut !== true && value.killedFor === null;
  if (!('status' in value)) value.status = ended === null ? 'running' : value.stopped === true ? 'cancelled' : ok ? 'succeeded' : 'failed';
  if (!('finishedAt' in value)) value.finishedAt = ok ? ended : null;
  if (!('erroredAt' in value)) value.erroredAt = ended !== null && !ok && value.stopped !== true ? ended : null;
}
