// Telling the world about program steps: the log line and the `step` event of a step that started or ended.
import type { StepNotice } from '../program/settle.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, StepStatus, TaskRecord } from '../store/records.js';

const VERDICT_STATUS: Record<StepNotice['verdict'], StepStatus> = {
  completed: 'completed', skipped: 'skipped', retry: 'pending', resume: 'pending', failed: 'failed', cancelled: 'cancelled',
};

function describe(name: string, runId: string, n: StepNotice): string {
  const how = n.signal ? `killed by ${n.signal}` : n.exitCode === null ? 'ended with an unknown status' : `exited with code ${n.exitCode}`;
  const then = n.verdict === 'retry' ? `; retrying at ${n.nextAt}` : n.verdict === 'resume' ? '; running it again (its exit was not recorded)' : '';
  return `Step ${n.step} of ${name} (run ${runId}) ${how}: ${n.verdict}${then}${n.errorMessage ? ` (${n.errorMessage})` : ''}`;
}

/** Logs and emits a step that ended. */
export function announceStepEnd(rt: Runtime, name: string, runId: string, n: StepNotice): void {
  rt.log(describe(name, runId, n));
  rt.emitter.emit('step', {
    name, runId, step: n.step, index: n.index, status: VERDICT_STATUS[n.verdict], attempt: n.attempt, pid: null,
    exitCode: n.exitCode, signal: n.signal, retryAt: n.verdict === 'retry' || n.verdict === 'resume' ? n.nextAt : null, errorMessage: n.errorMessage,
  });
}

/** Logs and emits a step attempt that started. */
export function announceStepStart(rt: Runtime, record: TaskRecord, run: CurrentRun): void {
  const cursor = run.program;
  const step = cursor ? (cursor.def?.steps ?? record.task.steps)?.[cursor.step] : undefined;
  if (!cursor || !step) return;
  const name = record.task.name;
  const which = cursor.attempt === 0 ? 'first attempt' : `attempt ${cursor.attempt}`;
  rt.log(`Starting step ${step.name} of ${name} (run ${run.runId}, ${which}, pid: ${run.pid})`);
  rt.emitter.emit('step', {
    name, runId: run.runId, step: step.name, index: cursor.step, status: 'running', attempt: cursor.attempt, pid: run.pid,
    exitCode: null, signal: null, retryAt: null, errorMessage: null,
  });
}

/** Arms this process's wake-up for program runs of `record` waiting for their next step or attempt. */
export function wakeWaiting(rt: Runtime, record: TaskRecord | null): void {
  if (!record) return;
  for (const run of [record.state.run, ...record.state.extraRuns]) {
    if (run?.program?.retryAt) rt.programWake(record.task.name, Date.parse(run.program.retryAt));
  }
}
