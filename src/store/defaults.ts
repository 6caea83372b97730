// Defaults of record fields added after format version 1 was first written: older records get them on read.

/** Defaults of the issue-3 task fields (also used to read records written before they existed). */
export const TASK_DEFAULTS = {
  cron: null, catchUp: 'one', maxCatchUp: 10, overlap: 'skip', jitterMs: 0, timeoutMs: null, header: true, timestamps: false,
  stderr: 'merge', maxOutputBytes: null, maxArchiveBytes: null, maxMemory: null, alert: null,
} as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const STATE_DEFAULTS = { enabled: true, extraRuns: [], queue: [], failing: false, lastKill: null } as const;
const QUEUE_DEFAULTS = { oneOff: false, seq: 0 } as const;
const LEDGER_DEFAULTS = { errorFile: null, triggerTime: null, queuedAt: null, timedOut: false, killedFor: null } as const;
const RUN_DEFAULTS = { errorFile: null, deadline: null, triggerTime: null, queuedAt: null, kill: null, resumeStatus: null } as const;

// Records written before a field existed get its default (in place), so older folders keep working.
/** Fills, in place, the fields a task record written before they existed lacks. */
export function fillDefaults(name: string, task: Record<string, unknown>, state: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(TASK_DEFAULTS)) if (!(key in task)) task[key] = value;
  for (const [key, value] of Object.entries(STATE_DEFAULTS)) if (!(key in state)) state[key] = Array.isArray(value) ? [] : value;
  const runs = [state.run, ...(Array.isArray(state.extraRuns) ? state.extraRuns : [])];
  for (const run of runs) {
    if (!isObject(run)) continue;
    for (const [key, value] of Object.entries(RUN_DEFAULTS)) if (!(key in run)) run[key] = value;
    if (!('outputFile' in run)) run.outputFile = `${name}.txt`;
  }
  for (const item of Array.isArray(state.queue) ? state.queue : []) {
    if (isObject(item)) for (const [key, value] of Object.entries(QUEUE_DEFAULTS)) if (!(key in item)) item[key] = value;
  }
}

/** Fills, in place, the fields a run ledger record written before they existed lacks. */
export function fillLedgerDefaults(value: Record<string, unknown>): void {
  for (const [key, fallback] of Object.entries(LEDGER_DEFAULTS)) if (!(key in value)) value[key] = fallback;
}
