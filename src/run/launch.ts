// Starting one run of a task: archive the previous output, record the intent, spawn through the exit shim, record it.
import { withUpstream, fetchUpstreamNote } from '../chain/note.js';
import { checkUserAllowed } from '../process/user.js';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ScriptNotFoundError, SpawnError, WorkingDirectoryNotFoundError } from '../errors.js';
import { archiveFileName, currentErrorFileName, currentOutputFileName, errorFileOf } from '../output/archive.js';
import { pruneArchives } from '../output/prune.js';
import { loadExeca } from '../process/load-execa.js';
import { processOf, spawnRun, type SpawnedRun } from '../process/spawn.js';
import { MARKER_HOST_VAR } from '../process/marker.js';
import type { Runtime } from '../runtime.js';
import { programLedger, startProgram, wantsInput, writeRunInput } from '../program/start.js';
import { assertStepsExist } from '../program/spawn-step.js';
import { freshRunExtras, type ArchiveEntry, type CurrentRun, type RunExtras, type RunRecord, type RunTrigger, type TaskRecord } from '../store/records.js';
import { assertRunnable, builtinNames } from '../task/interpreter.js';
import { readEnvFiles } from '../task/env-file.js';
import { runEnv } from '../task/run-env.js';
import { dropQueuedSecrets, prefetchSecrets } from '../task/secrets.js';
import { commandForRun } from '../task/ts-runner.js';
import { readBootId } from '../process/identity.js';
import { archivePrevious, liveFiles } from './archive-previous.js';
import { runHeader } from './header.js';
import { LAUNCHING_PID } from './tree.js';
import { newRunId } from './ids.js';

export { liveFiles } from './archive-previous.js';

/** What a launch produced: the record to write and the live child. */
export interface Launched {
  record: TaskRecord;
  run: CurrentRun;
  spawned: SpawnedRun;
  /** True when the run is an extra run next to a live main run. */
  extra: boolean;
  /** The run ledger write, to be awaited with the task record's (see `Mutation.sideWrites`). */
  ledgerWrite: Promise<void>;
}

/** What to launch: the trigger and, for manual or queued runs, their particulars. */
export interface LaunchRequest {
  trigger: RunTrigger;
  /** Slot time of a scheduled run (epoch ms). */
  scheduledFor: number | null;
  /** A run id given out before the launch (queued runs). */
  runId?: string;
  /** ISO date a manual run is made for. */
  triggerTime?: string | null;
  /** Arguments / env of a manual run, replacing / added to the task's. */
  args?: string[] | null;
  env?: Record<string, string> | null;
  /** When the run was queued (ISO). */
  queuedAt?: string | null;
  /** A `runTask` run: when it is the main run, the task returns to its current status afterwards (no restart, no schedule). */
  oneOff?: boolean;
  /** Spawn no earlier than this (epoch ms): the run was prepared (locked, previous output archived) ahead of its slot. */
  notBefore?: number;
  /** The run's input (`runTask({ data })`, an event's payload). */
  data?: unknown;
  /** The event type that caused the run. */
  event?: string | null;
  /** The env's secret values are kept already (a run handed to the hosts): queued again, they are left as they are. */
  envKept?: boolean;
}

// Waits (real time) until the clock reaches `at`; a timer may fire a little early, so the clock is checked again.
async function until(rt: Runtime, at: number): Promise<void> {
  for (let delay = at - rt.now(); delay > 0; delay = at - rt.now()) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, delay)));
  }
}

/** Checks, before anything is written, that the task can be started. */
export function assertStartable(record: TaskRecord): void {
  const { wd, script, command, steps } = record.task;
  for (const dir of [wd, ...(steps ?? []).map((s) => s.wd)]) {
    let isDir = false;
    try { isDir = statSync(dir).isDirectory(); } catch { isDir = false; }
    if (!isDir) throw new WorkingDirectoryNotFoundError(dir);
  }
  readEnvFiles(wd, record.task.envFiles); // a missing or unreadable env file fails the start now (EnvFileError)
  checkUserAllowed(record.task); // another user or group, asked of a non-root Executor: PermissionError, before any write
  if (steps !== null) return assertStepsExist(record);
  const scriptPath = resolve(wd, script);
  if (!existsSync(scriptPath)) throw new ScriptNotFoundError(scriptPath);
  assertRunnable(scriptPath, command, Object.keys(builtinNames()));
  commandForRun(record.task.interpreter, command, wd, scriptPath); // a TypeScript runner is looked for again at each start
}

// Creates `file` exclusively; if it exists, removes the just-made `partner` and rethrows (the pair must be fresh).
function createExclusive(file: string, partner: string): void {
  try {
    closeSync(openSync(file, 'wx'));
  } catch (error) {
    rmSync(partner, { force: true });
    throw error;
  }
}

// Output files of a run: the current files for the main run, fresh archive names for an extra run.
function outputFilesOf(rt: Runtime, record: TaskRecord, extra: boolean, now: number): { outputFile: string; errorFile: string | null } {
  const { name, stderr } = record.task;
  const separate = stderr === 'separate';
  if (!extra) return { outputFile: currentOutputFileName(name), errorFile: separate ? currentErrorFileName(name) : null };
  const taken = new Set(record.state.archives.map((a) => a.file));
  // Created here, exclusively: a writer rotating into the same name meanwhile then picks another (it never replaces).
  for (;;) {
    const outputFile = archiveFileName(name, now, (f) => taken.has(f) || existsSync(join(rt.folder, f)) || (separate && existsSync(join(rt.folder, errorFileOf(f)))));
    const errorFile = separate ? errorFileOf(outputFile) : null;
    try {
      closeSync(openSync(join(rt.folder, outputFile), 'wx'));
      if (errorFile !== null) createExclusive(join(rt.folder, errorFile), join(rt.folder, outputFile));
      return { outputFile, errorFile };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      taken.add(outputFile);
    }
  }
}

// `base`: the run's env below its EXECUTOR_* variables (task/run-env.ts), built before anything was written.
function spawnFor(rt: Runtime, record: TaskRecord, run: Omit<CurrentRun, 'pid' | 'pidStartTime' | 'bootId'>, req: LaunchRequest, inputFile: string | null, base: Record<string, string>): SpawnedRun {
  const { task } = record;
  const script = resolve(task.wd, task.script);
  const interpreter = commandForRun(task.interpreter, task.command, task.wd, script);
  const command = [...interpreter, script, ...(req.args ?? task.args)];
  const env = {
    ...base,
    EXECUTOR_ID: rt.id, EXECUTOR_FOLDER: rt.folder, EXECUTOR_TASK: task.name, EXECUTOR_RUN_ID: run.runId,
    EXECUTOR_TRIGGER: run.triggerTime ?? run.scheduledFor ?? run.startedAt, EXECUTOR_TRIGGER_KIND: run.trigger,
    ...(rt.host === null ? {} : { [MARKER_HOST_VAR]: rt.host }), // cluster mode: the host's watchdog finds its runs by it
    ...(inputFile === null ? {} : { EXECUTOR_RUN_FILE: inputFile }),
  };
  const piped = task.timestamps || task.maxOutputBytes !== null;
  try {
    return spawnRun({
      ...processOf(task), // user, group, limits, nice (process/spawn.ts)
      command, cwd: task.wd, env, label: task.name,
      outputFile: join(rt.folder, run.outputFile),
      stderrFile: run.errorFile === null ? null : join(rt.folder, run.errorFile),
      statusFile: rt.store.statusFile(task.name, run.runId),
      header: task.header ? runHeader({ ...record, task: { ...task, command: interpreter } }, run, command) : null,
      writer: piped ? {
        timestamps: task.timestamps, maxOutputBytes: task.maxOutputBytes, maxArchiveBytes: task.maxArchiveBytes,
        keepArchives: rt.keepArchives, task: task.name, folder: rt.folder,
      } : null,
    });
  } catch (error) {
    throw error instanceof SpawnError ? error : new SpawnError(task.name, error);
  }
}

type RunBase = Omit<CurrentRun, 'pid' | 'pidStartTime' | 'bootId'>;

/** A script run made ready under the task's lock (previous output archived, files named): only the spawn is left. */
export interface PreparedRun {
  /** The task record before the launch. */
  record: TaskRecord;
  req: LaunchRequest;
  /** True when the run is an extra run next to a live main run. */
  extra: boolean;
  /** The run, without its process yet. */
  base: RunBase;
  archives: ArchiveEntry[];
  /** The run's input file (`EXECUTOR_RUN_FILE`), if it has one. */
  inputFile: string | null;
  /** Other ledger writes the launch started (the previous run's archive name, archive pruning). */
  ledgerFixes: Promise<void>[];
  /** The record naming the run as launching (no pid yet): written durably before the spawn. */
  intent: TaskRecord;
  /** The run's env below its EXECUTOR_* variables (env files read, secrets put back): never written anywhere. */
  env: Record<string, string>;
}

/** A prepared run once spawned: the launch (its ledger write not started yet) and the run's ledger record. */
export interface SpawnedPrepared {
  launched: Omit<Launched, 'ledgerWrite'>;
  ledger: RunRecord;
}

// Before anything is recorded: execa loaded (the spawn is synchronous), the run folder there (the shim writes into it),
// the clock at `notBefore`. Returns the fields every run has.
async function readyToLaunch(rt: Runtime, record: TaskRecord, req: LaunchRequest, extra: boolean) {
  mkdirSync(dirname(rt.store.statusFile(record.task.name, 'x')), { recursive: true });
  if (req.notBefore !== undefined) await until(rt, req.notBefore);
  const now = rt.now();
  return {
    now,
    common: {
      runId: req.runId ?? newRunId(now), trigger: req.trigger, startedAt: new Date(now).toISOString(), stopRequested: false,
      ...(rt.host === null ? {} : { host: rt.host }),
      scheduledFor: req.scheduledFor === null ? null : new Date(req.scheduledFor).toISOString(),
      triggerTime: req.triggerTime ?? null, queuedAt: req.queuedAt ?? null, kill: null,
      resumeStatus: req.oneOff === true && !extra ? record.state.status : null,
    },
  };
}

/**
 * Prepares a script run of `record` (call under the task's lock): the main run, or an extra run when one is live. The
 * previous output is archived first; with `req.notBefore`, this resolves at that time. Nothing is recorded yet.
 */
export async function prepareScriptRun(rt: Runtime, record: TaskRecord, req: LaunchRequest): Promise<PreparedRun> {
  assertStartable(record);
  const { task } = record;
  // Env files and secrets read before anything is written: a missing one fails the start with nothing changed.
  const queuedRunId = req.queuedAt != null && req.runId !== undefined ? req.runId : null;
  await prefetchSecrets(rt, task, queuedRunId); // cluster mode: sealed values cached, so runEnv need not wait on the database
  const env = runEnv(rt, task, { env: req.env, queuedRunId });
  const extra = record.state.run !== null;
  const ledgerFixes: Promise<void>[] = [];
  await loadExeca(); // before anything is recorded: the spawn is synchronous
  const archives = extra ? [...record.state.archives] : await archivePrevious(rt, record, ledgerFixes);
  const { now, common } = await readyToLaunch(rt, record, req, extra);
  const base: RunBase = {
    ...common, ...outputFilesOf(rt, record, extra, now), program: null,
    deadline: task.timeoutMs === null ? null : new Date(now + task.timeoutMs).toISOString(),
  };
  const inputFile = wantsInput(record, req.data ?? null, req.event ?? null) ? await writeRunInput(rt, record, common, req.data ?? null, req.event ?? null) : null;
  if (extra) archives.push({ file: base.outputFile, runId: base.runId, startedAt: base.startedAt });
  return { record, req, extra, base, archives, inputFile, ledgerFixes, intent: launchedRecord(record, launchingRun(base), archives, extra, req), env };
}

/** Spawns a prepared run (once its intent is durable). Synchronous; throws `SpawnError`. */
export function spawnPrepared(rt: Runtime, prepared: PreparedRun): SpawnedPrepared {
  const { record, req, extra, base, archives } = prepared;
  const spawned = spawnFor(rt, record, base, req, prepared.inputFile, prepared.env);
  if (req.queuedAt != null && req.env) dropQueuedSecrets(rt, record.task.name, base.runId); // its env is the child's now
  const { pid, startTime, bootId } = spawned.identity;
  const run: CurrentRun = { ...base, pid, pidStartTime: startTime, bootId };
  const { task } = record;
  if (!extra && task.maxArchiveBytes !== null) {
    const live = liveFiles(record);
    prepared.ledgerFixes.push(pruneArchives(rt.folder, task.name, { maxBytes: task.maxArchiveBytes, keep: rt.keepArchives }, (f) => live.has(f)).then(() => undefined, () => undefined));
  }
  const ledger = ledgerOf(record, run, freshRunExtras(run.queuedAt ?? run.startedAt, req.data ?? null, req.event ?? null));
  return { launched: { record: launchedRecord(record, run, archives, extra, req), run, spawned, extra }, ledger };
}

// Side writes of a launch, awaited by the caller through sideWrites (an early rejection is not left unhandled).
function sideWrite(writes: Promise<unknown>[]): Promise<void> {
  const all = Promise.all(writes).then(() => undefined);
  all.catch(() => undefined);
  return all;
}

/**
 * Spawns a run of `record` (call under the task's lock): the main run, or an extra run when one is live. The previous
 * output is archived first; with `req.notBefore`, the spawn then waits until that time.
 */
export async function launchRun(rt: Runtime, record: TaskRecord, req: LaunchRequest): Promise<Launched> {
  // Cluster mode: a chain run queued elsewhere gets its upstream note from the database (chain/note.ts).
  if (req.trigger === 'chain' && req.runId !== undefined) await fetchUpstreamNote(rt, record.task.name, req.runId);
  if (record.task.steps !== null) return launchProgram(rt, record, req);
  const prepared = await prepareScriptRun(rt, record, req);
  // The intent, durable before the spawn: a crash right after it leaves a record that names the run (by its marker).
  await rt.store.stageTask(prepared.intent);
  const { launched, ledger } = await unstageOnError(rt, record, () => spawnPrepared(rt, prepared));
  return { ...launched, ledgerWrite: sideWrite([rt.store.writeRun(withUpstream(rt.folder, ledger)), ...prepared.ledgerFixes]) };
}

// launchRun for a program: its first step is spawned (after its intent is staged) by startProgram.
async function launchProgram(rt: Runtime, record: TaskRecord, req: LaunchRequest): Promise<Launched> {
  assertStartable(record);
  const extra = record.state.run !== null;
  await loadExeca(); // before anything is recorded: the spawn below is synchronous
  const archives = [...record.state.archives];
  const { common } = await readyToLaunch(rt, record, req, extra);
  const data = req.data ?? null;
  const event = req.event ?? null;
  const stage = (intent: CurrentRun): Promise<void> => rt.store.stageTask(launchedRecord(record, intent, archives, extra, req));
  const { run, spawned } = await unstageOnError(rt, record, () => startProgram(rt, record, common, data, event, stage));
  const ledger = programLedger(record, run, ledgerOf(record, run, freshRunExtras(run.queuedAt ?? run.startedAt, data, event)), data, event);
  return { record: launchedRecord(record, run, archives, extra, req), run, spawned, extra, ledgerWrite: sideWrite([rt.store.writeRun(withUpstream(rt.folder, ledger))]) };
}


// Runs the spawn; if it fails after the intent was staged, puts the record back as it was (no run is launching).
async function unstageOnError<T>(rt: Runtime, record: TaskRecord, spawn: () => T | Promise<T>): Promise<T> {
  try {
    return await spawn();
  } catch (error) {
    await rt.store.stageTask(record).catch(() => undefined);
    throw error;
  }
}

/** `run` before its spawn: recorded as `launching` (no pid yet; found later by its marker). */
export function launchingRun(run: Omit<CurrentRun, 'pid' | 'pidStartTime' | 'bootId'>): CurrentRun {
  return { ...run, pid: LAUNCHING_PID, pidStartTime: 0, bootId: readBootId() };
}

/** The task record once `run` is launched: its main run (status `running`) or one more extra run. */
function launchedRecord(record: TaskRecord, run: CurrentRun, archives: ArchiveEntry[], extra: boolean, req: LaunchRequest): TaskRecord {
  const state = extra
    ? { ...record.state, archives, extraRuns: [...record.state.extraRuns, run] }
    : {
      ...record.state, status: 'running' as const, run, archives, backoffUntil: null, lastKill: null,
      lastRunId: run.runId, lastTrigger: req.trigger, lastStartedAt: run.startedAt,
      restarts: record.state.restarts + (req.trigger === 'restart' ? 1 : 0),
    };
  return { ...record, state };
}

/** The run ledger record of a run that just started (`extras`: its issue-4 fields, by default those of a fresh script run). */
export function ledgerOf(record: TaskRecord, run: CurrentRun, extras: RunExtras = freshRunExtras(run.queuedAt ?? run.startedAt)): RunRecord {
  return {
    ...extras,
    formatVersion: record.formatVersion, runId: run.runId, task: record.task.name, trigger: run.trigger, scheduledFor: run.scheduledFor,
    ...(run.host === undefined ? {} : { host: run.host }), startedAt: run.startedAt, pid: run.pid, pidStartTime: run.pidStartTime, bootId: run.bootId, endedAt: null, exitCode: null, signal: null,
    exitUnknown: false, stopped: false, outputFile: run.outputFile, errorFile: run.errorFile, triggerTime: run.triggerTime, queuedAt: run.queuedAt,
    timedOut: false, killedFor: null,
  };
}
