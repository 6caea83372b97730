// Starting one run of a task: archive the previous output, spawn through the exit shim, record it.
import { closeSync, existsSync, openSync, rmSync, statSync } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ScriptNotFoundError, SpawnError, WorkingDirectoryNotFoundError } from '../errors.js';
import { archiveFileName, currentErrorFileName, currentOutputFileName, errorFileOf } from '../output/archive.js';
import { pruneArchives } from '../output/prune.js';
import { nextArchiveFileName } from '../output/rotate.js';
import { loadExeca } from '../process/load-execa.js';
import { spawnRun, type SpawnedRun } from '../process/spawn.js';
import type { Runtime } from '../runtime.js';
import { programLedger, startProgram, wantsInput, writeRunInput } from '../program/start.js';
import { assertStepsExist } from '../program/spawn-step.js';
import { freshRunExtras, type ArchiveEntry, type CurrentRun, type RunExtras, type RunRecord, type RunTrigger, type TaskRecord } from '../store/records.js';
import { assertRunnable, builtinNames } from '../task/interpreter.js';
import { commandForRun } from '../task/ts-runner.js';
import { readBootId } from '../process/identity.js';
import { runHeader } from './header.js';
import { LAUNCHING_PID } from './tree.js';
import { newRunId } from './ids.js';

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
  if (steps !== null) return assertStepsExist(record);
  const scriptPath = resolve(wd, script);
  if (!existsSync(scriptPath)) throw new ScriptNotFoundError(scriptPath);
  assertRunnable(scriptPath, command, Object.keys(builtinNames()));
  commandForRun(record.task.interpreter, command, wd, scriptPath); // a TypeScript runner is looked for again at each start
}

// Renames `<name>.txt` (and `<name>.err.txt`) to its archive name (never copies) and prunes old archives. An empty
// `<name>.txt` with no `<name>.err.txt` is left in place (not archived).
async function archivePrevious(rt: Runtime, record: TaskRecord, ledgerFixes: Promise<void>[]): Promise<ArchiveEntry[]> {
  const { name } = record.task;
  const current = join(rt.folder, currentOutputFileName(name));
  const archives = [...record.state.archives];
  let startedMs: number;
  try {
    const info = statSync(current);
    // An empty output (and no stderr file) is not worth an archive: the next run appends to the same empty file.
    if (info.size === 0 && !existsSync(join(rt.folder, currentErrorFileName(name)))) return archives;
    startedMs = record.state.lastStartedAt ? Date.parse(record.state.lastStartedAt) : info.mtimeMs;
  } catch {
    return archives;
  }
  const taken = new Set(archives.map((a) => a.file));
  // With rotation, the last part of a run must sort after its rotated parts: name it after the newest archive.
  const file = record.task.maxOutputBytes !== null
    ? nextArchiveFileName(rt.folder, name, startedMs, 'out')
    : archiveFileName(name, startedMs, (f) => taken.has(f) || existsSync(join(rt.folder, f)));
  await rename(current, join(rt.folder, file));
  await rename(join(rt.folder, currentErrorFileName(name)), join(rt.folder, errorFileOf(file))).catch(() => undefined);
  archives.push({ file, runId: record.state.lastRunId, startedAt: new Date(startedMs).toISOString() });
  // A saved run's current output keeps its pin under its archive name.
  const renamed = new Map([[currentOutputFileName(name), file], [currentErrorFileName(name), errorFileOf(file)]]);
  record.state.pinned = record.state.pinned.map((f) => renamed.get(f) ?? f);
  if (record.state.lastRunId) ledgerFixes.push(rt.store.updateRun(name, record.state.lastRunId, { outputFile: file, ...(record.task.stderr === 'separate' ? { errorFile: errorFileOf(file) } : {}) }));
  return pruneByCount(rt, archives, liveFiles(record));
}

/** Output files of the task's live extra runs (never pruned while written). */
export function liveFiles(record: TaskRecord): Set<string> {
  const live = record.state.extraRuns.flatMap((r) => (r.errorFile === null ? [r.outputFile] : [r.outputFile, r.errorFile]));
  return new Set([...live, ...record.state.pinned]); // saved runs' outputs are never pruned either
}

// Deletes the oldest archives beyond keepArchives, sparing the files of live extra runs.
async function pruneByCount(rt: Runtime, archives: ArchiveEntry[], live: Set<string>): Promise<ArchiveEntry[]> {
  let excess = archives.filter((a) => !live.has(a.file)).length - rt.keepArchives;
  const kept: ArchiveEntry[] = [];
  for (const entry of archives) {
    if (excess > 0 && !live.has(entry.file)) {
      excess--;
      await unlink(join(rt.folder, entry.file)).catch(() => undefined);
      await unlink(join(rt.folder, errorFileOf(entry.file))).catch(() => undefined);
    } else {
      kept.push(entry);
    }
  }
  return kept;
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

function spawnFor(rt: Runtime, record: TaskRecord, run: Omit<CurrentRun, 'pid' | 'pidStartTime' | 'bootId'>, req: LaunchRequest, inputFile: string | null): SpawnedRun {
  const { task } = record;
  const script = resolve(task.wd, task.script);
  const interpreter = commandForRun(task.interpreter, task.command, task.wd, script);
  const command = [...interpreter, script, ...(req.args ?? task.args)];
  const env = {
    ...(process.env as Record<string, string>), ...task.env, ...(req.env ?? {}),
    EXECUTOR_ID: rt.id, EXECUTOR_FOLDER: rt.folder, EXECUTOR_TASK: task.name, EXECUTOR_RUN_ID: run.runId,
    EXECUTOR_TRIGGER: run.triggerTime ?? run.scheduledFor ?? run.startedAt, EXECUTOR_TRIGGER_KIND: run.trigger,
    ...(inputFile === null ? {} : { EXECUTOR_RUN_FILE: inputFile }),
  };
  const piped = task.timestamps || task.maxOutputBytes !== null;
  try {
    return spawnRun({
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

/**
 * Spawns a run of `record` (call under the task's lock): the main run, or an extra run when one is live. The previous
 * output is archived first; with `req.notBefore`, the spawn then waits until that time.
 */
export async function launchRun(rt: Runtime, record: TaskRecord, req: LaunchRequest): Promise<Launched> {
  assertStartable(record);
  const { task } = record;
  const extra = record.state.run !== null;
  const program = task.steps !== null;
  const ledgerFixes: Promise<void>[] = [];
  await loadExeca(); // before anything is recorded: the spawn below is synchronous
  const archives = extra || program ? [...record.state.archives] : await archivePrevious(rt, record, ledgerFixes);
  await mkdir(dirname(rt.store.statusFile(task.name, 'x')), { recursive: true });
  if (req.notBefore !== undefined) await until(rt, req.notBefore);
  const now = rt.now();
  const runId = req.runId ?? newRunId(now);
  const startedAt = new Date(now).toISOString();
  const common = {
    runId, trigger: req.trigger, startedAt, stopRequested: false,
    scheduledFor: req.scheduledFor === null ? null : new Date(req.scheduledFor).toISOString(),
    triggerTime: req.triggerTime ?? null, queuedAt: req.queuedAt ?? null, kill: null,
    resumeStatus: req.oneOff === true && !extra ? record.state.status : null,
  };
  const data = req.data ?? null;
  const event = req.event ?? null;
  let run: CurrentRun;
  let spawned: SpawnedRun;
  if (program) {
    const stage = (intent: CurrentRun): Promise<void> => rt.store.stageTask(launchedRecord(record, intent, archives, extra, req));
    ({ run, spawned } = await unstageOnError(rt, record, () => startProgram(rt, record, common, data, event, stage)));
  } else {
    const base = {
      ...common, ...outputFilesOf(rt, record, extra, now), program: null,
      deadline: task.timeoutMs === null ? null : new Date(now + task.timeoutMs).toISOString(),
    };
    const inputFile = wantsInput(record, data, event) ? await writeRunInput(rt, record, common, data, event) : null;
    if (extra) archives.push({ file: base.outputFile, runId, startedAt });
    // The intent, durable before the spawn: a crash right after it leaves a record that names the run (by its marker).
    await rt.store.stageTask(launchedRecord(record, launchingRun(base), archives, extra, req));
    spawned = await unstageOnError(rt, record, () => spawnFor(rt, record, base, req, inputFile));
    const { pid, startTime, bootId } = spawned.identity;
    run = { ...base, pid, pidStartTime: startTime, bootId };
  }
  if (!extra && !program && task.maxArchiveBytes !== null) {
    const live = liveFiles(record);
    ledgerFixes.push(pruneArchives(rt.folder, task.name, { maxBytes: task.maxArchiveBytes, keep: rt.keepArchives }, (f) => live.has(f)).then(() => undefined, () => undefined));
  }
  const scriptLedger = ledgerOf(record, run, freshRunExtras(run.queuedAt ?? startedAt, data, event));
  const ledger = program ? programLedger(record, run, scriptLedger, data, event) : scriptLedger;
  const ledgerWrite = Promise.all([rt.store.writeRun(ledger), ...ledgerFixes]).then(() => undefined);
  ledgerWrite.catch(() => undefined); // awaited by the caller through sideWrites
  return { record: launchedRecord(record, run, archives, extra, req), run, spawned, extra, ledgerWrite };
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
    startedAt: run.startedAt, pid: run.pid, pidStartTime: run.pidStartTime, bootId: run.bootId, endedAt: null, exitCode: null, signal: null,
    exitUnknown: false, stopped: false, outputFile: run.outputFile, errorFile: run.errorFile, triggerTime: run.triggerTime, queuedAt: run.queuedAt,
    timedOut: false, killedFor: null,
  };
}
