// After a run is spawned and recorded: watch its exit and timeout, log it and emit start/restart/schedule.
import type { Runtime } from '../runtime.js';
import { closeRun } from '../run/close.js';
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
      void killRun(rt, record.task.name, run.runId, 'timeout').finally(() => rt.killing.delete(run.runId));
    }, Math.min(MAX_TIMER_DELAY_MS, Math.max(0, deadline - rt.now())));
    timer.unref();
  };
  arm();
  void spawned.exited.finally(() => clearTimeout(timer));
}

/** Logs and emits a launched run, and closes it when this process sees it exit. */
export function announceLaunch(rt: Runtime, launched: Launched): void {
  const { run, spawned, record } = launched;
  const { name, script } = record.task;
  rt.own.set(run.runId, spawned);
  armTimeout(rt, launched);
  spawned.exited
    .then(async (exit) => {
      if (rt.supervisor) await rt.supervisor.onOwnExit(name, run.runId, exit);
      else await closeRun(rt, name, run.runId, exit);
    })
    .catch((error: unknown) => rt.emitter.emit('error', error as Error, { name }))
    .finally(() => {
      rt.own.delete(run.runId);
      rt.nudge();
    });
  const prefix = run.trigger === 'restart' ? 'Restarting' : run.trigger === 'manual' ? 'Starting' : run.trigger === 'catch-up' ? 'Catching up' : 'Running scheduled';
  rt.log(`${prefix} ${name} ${script} (pid: ${run.pid}${launched.extra ? ', extra run' : ''})`);
  rt.emitter.emit('start', { name, runId: run.runId, pid: run.pid, trigger: run.trigger, startedAt: run.startedAt });
  if (run.trigger === 'restart') rt.emitter.emit('restart', { name, runId: run.runId, pid: run.pid, restarts: launched.record.state.restarts });
  if (run.scheduledFor) rt.emitter.emit('schedule', { name, runId: run.runId, scheduledFor: run.scheduledFor, trigger: run.trigger });
}
