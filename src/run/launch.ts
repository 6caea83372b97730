// Starting one run of a task: archive the previous output, spawn through the exit shim, record it.
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ScriptNotFoundError, SpawnError, WorkingDirectoryNotFoundError } from '../errors.js';
import { archiveFileName, currentOutputFileName } from '../output/archive.js';
import { spawnRun, type SpawnedRun } from '../process/spawn.js';
import type { Runtime } from '../runtime.js';
import type { ArchiveEntry, CurrentRun, RunRecord, RunTrigger, TaskRecord } from '../store/records.js';
import { assertRunnable, builtinNames } from '../task/interpreter.js';
import { newRunId } from './ids.js';

/** What a launch produced: the record to write and the live child. */
export interface Launched {
  record: TaskRecord;
  run: CurrentRun;
  spawned: SpawnedRun;
  /** The run ledger write, to be awaited with the task record's (see `Mutation.sideWrites`). */
  ledgerWrite: Promise<void>;
}

/** Checks, before anything is written, that the task can be started. */
export function assertStartable(record: TaskRecord): void {
  const { wd, script, command } = record.task;
  let isDir = false;
  try { isDir = statSync(wd).isDirectory(); } catch { isDir = false; }
  if (!isDir) throw new WorkingDirectoryNotFoundError(wd);
  const scriptPath = resolve(wd, script);
  if (!existsSync(scriptPath)) throw new ScriptNotFoundError(scriptPath);
  assertRunnable(scriptPath, command, Object.keys(builtinNames()));
}

// Renames `<name>.txt` to its archive name (never copies) and prunes archives beyond keepArchives.
async function archivePrevious(rt: Runtime, record: TaskRecord, ledgerFixes: Promise<void>[]): Promise<ArchiveEntry[]> {
  const { name } = record.task;
  const current = join(rt.folder, currentOutputFileName(name));
  const archives = [...record.state.archives];
  let startedMs: number;
  try {
    const info = statSync(current);
    startedMs = record.state.lastStartedAt ? Date.parse(record.state.lastStartedAt) : info.mtimeMs;
  } catch {
    return archives;
  }
  const taken = new Set(archives.map((a) => a.file));
  const file = archiveFileName(name, startedMs, (f) => taken.has(f) || existsSync(join(rt.folder, f)));
  await rename(current, join(rt.folder, file));
  archives.push({ file, runId: record.state.lastRunId, startedAt: new Date(startedMs).toISOString() });
  if (record.state.lastRunId) ledgerFixes.push(rt.store.updateRun(name, record.state.lastRunId, { outputFile: file }));
  while (archives.length > rt.keepArchives) {
    const oldest = archives.shift()!;
    await unlink(join(rt.folder, oldest.file)).catch(() => undefined);
  }
  return archives;
}

/** Spawns a run of `record` (call under the task's lock) and returns the updated record. */
export async function launchRun(rt: Runtime, record: TaskRecord, trigger: RunTrigger, scheduledFor: number | null): Promise<Launched> {
  assertStartable(record);
  const { task } = record;
  const now = rt.now();
  const runId = newRunId(now);
  const ledgerFixes: Promise<void>[] = [];
  const archives = await archivePrevious(rt, record, ledgerFixes);
  const statusFile = rt.store.statusFile(task.name, runId);
  const outputFile = currentOutputFileName(task.name);
  await mkdir(dirname(statusFile), { recursive: true });
  let spawned: SpawnedRun;
  try {
    spawned = spawnRun({
      command: [...task.command, resolve(task.wd, task.script), ...task.args],
      cwd: task.wd,
      env: { ...(process.env as Record<string, string>), ...task.env, EXECUTOR_ID: rt.id, EXECUTOR_FOLDER: rt.folder, EXECUTOR_TASK: task.name, EXECUTOR_RUN_ID: runId },
      outputFile: join(rt.folder, outputFile),
      statusFile,
    });
  } catch (error) {
    throw error instanceof SpawnError ? error : new SpawnError(task.name, error);
  }
  const startedAt = new Date(now).toISOString();
  const { pid, startTime, bootId } = spawned.identity;
  const run: CurrentRun = {
    runId, trigger, pid, pidStartTime: startTime, bootId, startedAt,
    scheduledFor: scheduledFor === null ? null : new Date(scheduledFor).toISOString(), stopRequested: false,
  };
  const ledger: RunRecord = {
    formatVersion: record.formatVersion, runId, task: task.name, trigger, scheduledFor: run.scheduledFor, startedAt,
    pid, pidStartTime: startTime, bootId, endedAt: null, exitCode: null, signal: null, exitUnknown: false, stopped: false, outputFile,
  };
  const ledgerWrite = Promise.all([rt.store.writeRun(ledger), ...ledgerFixes]).then(() => undefined);
  ledgerWrite.catch(() => undefined); // awaited by the caller through sideWrites
  const state = {
    ...record.state, status: 'running' as const, run, archives, backoffUntil: null,
    lastRunId: runId, lastTrigger: trigger, lastStartedAt: startedAt,
    restarts: record.state.restarts + (trigger === 'restart' ? 1 : 0),
  };
  return { record: { ...record, state }, run, spawned, ledgerWrite };
}
