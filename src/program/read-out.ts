// readOut for a program: the output file of one step of one run (the latest run and its current step by default).
import { join } from 'node:path';
import { InvalidOptionError, OutputNotFoundError } from '../errors.js';
import { FOOTER_LINES, HEADER_MAX_LINES, runBlockFilter } from '../output/header.js';
import type { OutputSelector } from '../output/files.js';
import { readTail } from '../output/tail.js';
import type { RunRecord, TaskRecord } from '../store/records.js';
import type { TaskStore } from '../store/store.js';
import { RUN_ID_PATTERN } from '../run/find.js';
import { MAX_RESUMES } from './settle.js';

/**
 * The program run a selector names: omitted/0 = the latest run, N = the Nth run before it, a string = a runId.
 * Rejects with `OutputNotFoundError` when there is no such run.
 * @example `const ledger = await selectProgramRun(store, record, 0)`
 */
export async function selectProgramRun(store: TaskStore, record: TaskRecord, run: OutputSelector): Promise<RunRecord> {
  const name = record.task.name;
  if (typeof run === 'string') {
    const ledger = RUN_ID_PATTERN.test(run) ? await store.readRun(name, run).catch(() => null) : null;
    if (!ledger) throw new OutputNotFoundError(name, run);
    return ledger;
  }
  const index = run ?? 0;
  if (!Number.isInteger(index) || index < 0) throw new InvalidOptionError('run', 'a run id, or a run number >= 0 (0 = the latest run)', run);
  const runs = (await store.listRuns(name)).sort((a, b) => (a.runId < b.runId ? 1 : -1));
  const found = runs[index];
  if (!found) throw new OutputNotFoundError(name, run ?? 0);
  return found;
}

/**
 * Last `n` lines a program step printed: of step `step` (default: the run's current or last started step) of the
 * selected run, without header and footer blocks (unless `raw`).
 */
export async function readProgramOutput(folder: string, store: TaskStore, record: TaskRecord, n: number, run: OutputSelector, step: string | undefined, stream: 'stdout' | 'stderr', raw: boolean): Promise<string[]> {
  const ledger = await selectProgramRun(store, record, run);
  const steps = ledger.steps;
  let chosen = step === undefined ? steps[ledger.step ?? 0] : steps.find((s) => s.name === step);
  if (step !== undefined && !chosen) throw new InvalidOptionError('step', `one of ${steps.map((s) => JSON.stringify(s.name)).join(', ')}`, step);
  if (step === undefined && !chosen?.outputFile) chosen = [...steps].reverse().find((s) => s.outputFile !== null);
  const file = stream === 'stderr' ? chosen?.errorFile : chosen?.outputFile;
  if (!file) throw new OutputNotFoundError(record.task.name, step ?? ledger.runId);
  if (raw || n === 0) return readTail(join(folder, file), n);
  // Each attempt wrote its own header and footer: read enough to drop them all.
  const attempts = (chosen?.retries ?? 0) + MAX_RESUMES + 1; // retries, and re-runs after a crash, each add a block
  const lines = await readTail(join(folder, file), n + attempts * (HEADER_MAX_LINES + FOOTER_LINES));
  return lines.filter(runBlockFilter()).slice(-n);
}
