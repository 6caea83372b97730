// Spawning one attempt of one step of a program run: its own output file, the run's input and its checkpoint.
import { prefetchSecrets } from '../task/secrets.js';
import { readUpstreamNote, UPSTREAM_EXIT_ENV, UPSTREAM_RUN_ENV } from '../chain/note.js';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ScriptNotFoundError, SpawnError } from '../errors.js';
import { readBootId } from '../process/identity.js';
import { processOf, spawnRun, type SpawnedRun } from '../process/spawn.js';
import { loadExeca } from '../process/load-execa.js';
import { runHeader } from '../run/header.js';
import { MARKER_HOST_VAR } from '../process/marker.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, StepSpec, TaskRecord } from '../store/records.js';
import { commandForRun } from '../task/ts-runner.js';
import { runEnv } from '../task/run-env.js';
import { inputFileOf, runDirOf, stateFileOf, stepOutputOf, stepStatusOf } from './files.js';
import { watchCheckpoint } from './checkpoint.js';
import { programDefOf } from './ledger.js';

/** The run fields a step spawn starts from (everything but the step's own process, files and deadline). */
export type RunBase = Omit<CurrentRun, 'pid' | 'pidStartTime' | 'bootId' | 'outputFile' | 'errorFile' | 'deadline' | 'program'>;

/** A spawned step attempt: the run as it now is, and the child. */
export interface SpawnedStep { run: CurrentRun; spawned: SpawnedRun }

/** The argv of a step: interpreter + script (unless the script goes on stdin) + args, or the script itself. */
export function stepCommand(step: StepSpec): string[] {
  const script = resolve(step.wd, step.script);
  if (step.command.length === 0) return [script, ...step.args];
  return [...commandForRun(step.interpreter, step.command, step.wd, script), ...(step.stdin ? [] : [script]), ...step.args];
}

/**
 * Throws `ScriptNotFoundError` unless every step's script exists, and `InterpreterMissingError` when a TypeScript
 * step has no runner now (checked before a run starts).
 */
export function assertStepsExist(record: TaskRecord): void {
  for (const step of record.task.steps ?? []) {
    const script = resolve(step.wd, step.script);
    if (!existsSync(script)) throw new ScriptNotFoundError(script);
    commandForRun(step.interpreter, step.command, step.wd, script);
  }
}

// `own`: the step's env below its EXECUTOR_* variables (task/run-env.ts: env files, task env, step env, secrets).
function stepEnv(rt: Runtime, record: TaskRecord, run: RunBase, step: StepSpec, index: number, attempt: number, own: Record<string, string>): Record<string, string> {
  const { task } = record;
  // A chain run's steps get the upstream run, as a chained script does (its note, written when the chain started it).
  const up = run.trigger === 'chain' ? readUpstreamNote(rt.folder, task.name, run.runId) : null;
  return {
    ...own,
    ...(up === null ? {} : { [UPSTREAM_RUN_ENV]: up.runId, [UPSTREAM_EXIT_ENV]: up.exitCode === null ? '' : String(up.exitCode) }),
    EXECUTOR_ID: rt.id, EXECUTOR_FOLDER: rt.folder, EXECUTOR_TASK: task.name, EXECUTOR_RUN_ID: run.runId,
    EXECUTOR_TRIGGER: run.triggerTime ?? run.scheduledFor ?? run.startedAt, EXECUTOR_TRIGGER_KIND: run.trigger,
    ...(rt.host === null ? {} : { [MARKER_HOST_VAR]: rt.host }), // cluster mode: the host's watchdog finds its runs by it
    EXECUTOR_RUN_FILE: join(rt.folder, inputFileOf(task.name, run.runId)),
    EXECUTOR_STATE_FILE: join(rt.folder, stateFileOf(task.name, run.runId, step.name)),
    EXECUTOR_STEP: step.name, EXECUTOR_STEP_INDEX: String(index), EXECUTOR_STEP_ATTEMPT: String(attempt),
  };
}

/** Records a run before its spawn (its pid still unknown), so a crash right after the spawn cannot lose it. */
export type StageRun = (intent: CurrentRun) => Promise<void>;

/** Pid of a step recorded before its spawn (as the run layer's `launching` runs). */
const STAGED_PID = 0;

/**
 * Spawns attempt `attempt` of step `index` of a program run (call under the task's lock; `record` seen as the run sees
 * it). With `stage`, the step is first recorded through it as launching.
 */
export async function spawnStep(rt: Runtime, record: TaskRecord, base: RunBase, index: number, attempt: number, stage?: StageRun): Promise<SpawnedStep> {
  const { task } = record;
  const step = task.steps?.[index];
  if (!step) throw new SpawnError(task.name, new Error(`no step ${index}`));
  const script = resolve(step.wd, step.script);
  if (!existsSync(script)) throw new ScriptNotFoundError(script);
  // Read at each step's start, before anything is written: an env file missing now fails the step (EnvFileError).
  await prefetchSecrets(rt, task); // cluster mode: the task's sealed values cached, so runEnv need not wait on the database
  const own = runEnv(rt, task, { step });
  const runDir = join(rt.folder, runDirOf(task.name, base.runId));
  await mkdir(runDir, { recursive: true });
  const files = stepOutputOf(task.name, base.runId, step.name, task.stderr === 'separate');
  const now = rt.now();
  const stepStartedAt = new Date(now).toISOString();
  const command = stepCommand(step);
  const shown = { ...record, task: { ...task, script: step.script, command: step.command, interpreter: step.interpreter } };
  const piped = task.timestamps || task.maxOutputBytes !== null;
  const runOf = (pid: number, pidStartTime: number, bootId: string): CurrentRun => ({
    ...base, pid, pidStartTime, bootId, ...files, ...(rt.host === null ? {} : { host: rt.host }),
    deadline: step.timeoutMs === null ? null : new Date(now + step.timeoutMs).toISOString(),
    program: { step: index, attempt, retryAt: null, stepStartedAt, def: programDefOf(task) },
  });
  await loadExeca(); // before the intent is recorded: the spawn below is synchronous
  if (stage) await stage(runOf(STAGED_PID, 0, readBootId()));
  let spawned: SpawnedRun;
  try {
    spawned = spawnRun({
      ...processOf(task), // user, group, limits, nice (process/spawn.ts)
      command, cwd: step.wd, env: stepEnv(rt, record, base, step, index, attempt, own), label: `${task.name}/${step.name}`,
      outputFile: join(rt.folder, files.outputFile),
      stderrFile: files.errorFile === null ? null : join(rt.folder, files.errorFile),
      statusFile: join(rt.folder, stepStatusOf(task.name, base.runId, step.name, attempt)),
      stdinFile: step.stdin ? script : null,
      header: task.header ? runHeader(shown, { ...base, startedAt: stepStartedAt }, command) : null,
      writer: piped ? {
        timestamps: task.timestamps, maxOutputBytes: task.maxOutputBytes, maxArchiveBytes: null,
        keepArchives: rt.keepArchives, task: step.name, folder: runDir,
      } : null,
    });
  } catch (error) {
    throw error instanceof SpawnError ? error : new SpawnError(task.name, error);
  }
  watchCheckpoint(rt, task.name, base.runId, step.name, spawned); // cluster mode: copied while it runs
  const { pid, startTime, bootId } = spawned.identity;
  return { run: runOf(pid, startTime, bootId), spawned };
}
