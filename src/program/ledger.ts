// Pure updates of a program run's ledger record: its steps' statuses as the run goes on.
import type { RunRecord, StepRecord, StepStatus, TaskSpec } from '../store/records.js';

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
