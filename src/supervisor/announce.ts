// After a run is spawned and recorded: watch its exit, log it and emit start/restart/schedule.
import type { Runtime } from '../runtime.js';
import { closeRun } from '../run/close.js';
import type { Launched } from '../run/launch.js';

/** Logs and emits a launched run, and closes it when this process sees it exit. */
export function announceLaunch(rt: Runtime, launched: Launched): void {
  const { run, spawned, record } = launched;
  const { name, script } = record.task;
  rt.own.set(run.runId, spawned);
  spawned.exited
    .then(async (exit) => {
      if (rt.supervisor) await rt.supervisor.onOwnExit(name, run.runId, exit);
      else await closeRun(rt, name, run.runId, exit);
    })
    .catch((error: unknown) => rt.emitter.emit('error', error as Error, { name }))
    .finally(() => rt.own.delete(run.runId));
  const prefix = run.trigger === 'restart' ? 'Restarting' : run.trigger === 'manual' ? 'Starting' : run.trigger === 'catch-up' ? 'Catching up' : 'Running scheduled';
  rt.log(`${prefix} ${name} ${script} (pid: ${run.pid})`);
  rt.emitter.emit('start', { name, runId: run.runId, pid: run.pid, trigger: run.trigger, startedAt: run.startedAt });
  if (run.trigger === 'restart') rt.emitter.emit('restart', { name, runId: run.runId, pid: run.pid, restarts: record.state.restarts });
  if (run.scheduledFor) rt.emitter.emit('schedule', { name, runId: run.runId, scheduledFor: run.scheduledFor, trigger: run.trigger });
}
