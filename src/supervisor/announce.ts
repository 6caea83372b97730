// After a run is spawned and recorded: watch its exit and timeout, log it and emit start/restart/schedule.
import type { Runtime } from '../runtime.js';
import { announceStepStart } from '../run/step-notice.js';
import { killRun } from '../run/kill.js';
import type { Launched } from '../run/launch.js';

/** Longest delay `setTimeout` accepts (longer ones fire at once); longer timeouts re-arm. */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

// The process that started a run enforces its timeout while it lives (the supervisor's passes cover the rest).
function armTimeout(rt: Runtime, launched: Launched): void {
  const { run, record, spawned } = launched;
  if (run.deadline === null) return;
  const deadline = Date.parse(run.deadline);
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    timer = setTimeout(() => {
      if (rt.now() < deadline) return arm(); // a capped delay, or a clock behind: not yet
      if (rt.killing.has(run.runId)) return;
      rt.killing.add(run.runId);
      void killRun(rt, record.task.name, run.runId, 'timeout', { pid: run.pid }).finally(() => rt.killing.delete(run.runId));
    }, Math.min(MAX_TIMER_DELAY_MS, Math.max(0, deadline - rt.now())));
    timer.unref();
  };
  arm();
  void spawned.exited.finally(() => clearTimeout(timer));
}

/** Logs and emits a launched run (or a program's next step), and closes it when this process sees it exit. */
export function announceLaunch(rt: Runtime, launched: Launched): void {
  const { run, spawned, record } = launched;
  const { name, script } = record.task;
  rt.own.set(run.runId, spawned);
  armTimeout(rt, launched);
  spawned.exited
    .then((exit) => rt.closeOwn(name, run.runId, run.pid, exit))
    .catch((error: unknown) => rt.emitter.emit('error', error as Error, { name }))
    .finally(() => {
      if (rt.own.get(run.runId) === spawned) rt.own.delete(run.runId); // a program's next step may have taken the id
      rt.nudge();
    });
  if (run.program && (run.program.step > 0 || run.program.attempt > 0)) return announceStepStart(rt, record, run);
  const prefix = run.trigger === 'restart' ? 'Restarting' : run.trigger === 'manual' ? 'Starting' : run.trigger === 'catch-up' ? 'Catching up' : 'Running scheduled';
  const what = record.task.steps ? `(steps: ${record.task.steps.map((s) => s.name).join(', ')})` : script;
  rt.log(`${prefix} ${name} ${what} (pid: ${run.pid}${launched.extra ? ', extra run' : ''})`);
  rt.emitter.emit('start', { name, runId: run.runId, pid: run.pid, trigger: run.trigger, startedAt: run.startedAt });
  if (run.trigger === 'restart') rt.emitter.emit('restart', { name, runId: run.runId, pid: run.pid, restarts: launched.record.state.restarts });
  if (run.scheduledFor) rt.emitter.emit('schedule', { name, runId: run.runId, scheduledFor: run.scheduledFor, trigger: run.trigger });
  if (run.program) announceStepStart(rt, record, run);
}
