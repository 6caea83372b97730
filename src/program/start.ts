// The start of a program run: its input file, its first ledger record and its first step.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runtime } from '../runtime.js';
import { writeFileAtomic } from '../store/atomic.js';
import { freshRunExtras, type CurrentRun, type RunRecord, type TaskRecord } from '../store/records.js';
import { readUpstreamNote, type Upstream } from '../chain/note.js';
import { inputFileOf, runDirOf } from './files.js';
import { pendingSteps, withStep } from './ledger.js';
import { spawnStep, type RunBase, type SpawnedStep, type StageRun } from './spawn-step.js';

/** What a step reads from `EXECUTOR_RUN_FILE`. */
export interface RunInput {
  runId: string;
  task: string;
  trigger: string;
  /** The event type that started the run, or null. */
  event: string | null;
  createdAt: string;
  /** The date a manual run is made for, or its slot, or null. */
  triggerTime: string | null;
  scheduledFor: string | null;
  /** The task's `config`. */
  config: Record<string, unknown>;
  /** The run's `data`. */
  data: unknown;
  /** A chain run's upstream run (trigger `chain`); absent otherwise. */
  upstream?: Upstream;
}

/** Writes the run's input file (atomically); resolves with its absolute path. */
export async function writeRunInput(rt: Runtime, record: TaskRecord, base: RunBase, data: unknown, event: string | null): Promise<string> {
  const { task } = record;
  await mkdir(join(rt.folder, runDirOf(task.name, base.runId)), { recursive: true });
  const input: RunInput = {
    runId: base.runId, task: task.name, trigger: base.trigger, event, createdAt: base.queuedAt ?? base.startedAt,
    triggerTime: base.triggerTime, scheduledFor: base.scheduledFor, config: task.config, data,
  };
  const upstream = base.trigger === 'chain' ? readUpstreamNote(rt.folder, task.name, base.runId) : null;
  if (upstream) input.upstream = upstream;
  const file = join(rt.folder, inputFileOf(task.name, base.runId));
  await writeFileAtomic(file, `${JSON.stringify(input, null, 2)}\n`);
  return file;
}

/** True when a script run gets an input file: it has `data`, an event, or its task has a `config`. */
export function wantsInput(record: TaskRecord, data: unknown, event: string | null): boolean {
  return data !== null || event !== null || Object.keys(record.task.config).length > 0;
}

/** Writes the run's input file, then spawns its first step (with `stage`, after recording it as launching). */
export async function startProgram(rt: Runtime, record: TaskRecord, base: RunBase, data: unknown, event: string | null, stage?: StageRun): Promise<SpawnedStep> {
  await writeRunInput(rt, record, base, data, event);
  return spawnStep(rt, record, base, 0, 0, stage);
}

/** The ledger record of a program run whose first step just started. */
export function programLedger(record: TaskRecord, run: CurrentRun, scriptLedger: RunRecord, data: unknown, event: string | null): RunRecord {
  const steps = withStep({ ...scriptLedger, steps: pendingSteps(record.task) }, 0, {
    status: 'running', startedAt: run.startedAt, pid: run.pid, outputFile: run.outputFile, errorFile: run.errorFile,
  }).steps;
  return { ...scriptLedger, ...freshRunExtras(run.queuedAt ?? run.startedAt, data, event), step: 0, steps };
}
