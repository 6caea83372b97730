// Pure updates of a program run's ledger record: its steps' statuses as the run goes on.
import type { CurrentRun, ProgramDef, RunRecord, StepRecord, StepStatus, TaskRecord, TaskSpec } from '../store/records.js';

/** The definition a program run keeps from its start. */
export function programDefOf(task: TaskSpec): ProgramDef {
  const { steps, retries, retryExitCodes, skipExitCodes, retryDelayMs } = task;
  return { steps: steps ?? [], retries, retryExitCodes, skipExitCodes, retryDelayMs };
}

/**
 * `record` as seen by program run `run`: its task's program fields as they were when the run started. For reading
 * only: records written back are built from the real `record`.
 */
export function programView(record: TaskRecord, run: CurrentRun): TaskRecord {
  const def = run.program?.def;
  return def ? { ...record, task: { ...record.task, ...def } } : record;
}

/** Every step of `task`, pending. */
export function pendingSteps(task: TaskSpec): StepRecord[] {
  return (task.steps ?? []).map((s) => ({
    name: s.name, status: 'pending', startedAt: null, endedAt: null, exitCode: null, signal: null, retries: 0, timedOut: false,
    pid: null, outputFile: null, errorFile: null,
  }));
}

/** A copy of `ledger` with step `index` changed by `patch`. */
export function withStep(ledger: RunRecord, index: number, patch: Partial<StepRecord>): RunRecord {
  return { ...ledger, steps: ledger.steps.map((s, i) => (i === index ? { ...s, ...patch } : s)) };
}

/** A copy of `ledger` with every step after `index` that has not run set to `status`. */
export function markRest(ledger: RunRecord, index: number, status: StepStatus): RunRecord {
  return { ...ledger, steps: ledger.steps.map((s, i) => (i > index && (s.status === 'pending' || s.status === 'running') ? { ...s, status } : s)) };
}
