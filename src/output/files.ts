// Reading a task's outputs: the current file, its archives, and a follower across restarts.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InvalidOptionError, OutputNotFoundError } from '../errors.js';
import type { TaskStore } from '../store/store.js';
import type { TaskRecord } from '../store/records.js';
import dayjs from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat.js';
import utc from 'dayjs/plugin/utc.js';
import { ARCHIVE_STAMP_FORMAT, compareArchives, currentOutputFileName, errorFileOf, parseArchiveFileName } from './archive.js';

dayjs.extend(utc);
dayjs.extend(customParseFormat);
import { FOOTER_LINES, HEADER_MAX_LINES, stripRunBlocks } from './header.js';
import { readTail } from './tail.js';

/** One archived output, as listed by `listOutputs`. */
export interface OutputInfo {
  /** 1 = the most recent archive; pass it as `readOut(name, n, { run: 1 })`. */
  archive: number;
  file: string;
  path: string;
  /** Start time of the run that wrote it (ISO). */
  startedAt: string;
  runId: string | null;
  size: number;
}

/** Lists a task's archives, newest first (by scanning the folder, so hand-made archives show too). */
export async function listArchives(folder: string, record: TaskRecord): Promise<OutputInfo[]> {
  const name = record.task.name;
  const byFile = new Map(record.state.archives.map((a) => [a.file, a]));
  const files = (await readdir(folder)).flatMap((f) => {
    const parsed = parseArchiveFileName(name, f);
    return parsed ? [{ f, parsed }] : [];
  });
  files.sort((a, b) => compareArchives(b.parsed, a.parsed)); // newest first
  return Promise.all(files.map(async ({ f, parsed }, i) => {
    const info = await stat(join(folder, f)).catch(() => null);
    const known = byFile.get(f);
    const fromStamp = dayjs.utc(parsed.stamp, ARCHIVE_STAMP_FORMAT, true).toISOString();
    return { archive: i + 1, file: f, path: join(folder, f), startedAt: known?.startedAt ?? fromStamp, runId: known?.runId ?? null, size: info?.size ?? 0 };
  }));
}

/** Which output `readOut` reads: omitted/0 = current, N = Nth newest archive, a string = a runId or file name. */
export type OutputSelector = number | string | undefined;

/** Resolves an output selector to a file path. */
export async function resolveOutput(folder: string, store: TaskStore, record: TaskRecord, run: OutputSelector): Promise<string> {
  const name = record.task.name;
  if (run === undefined || run === 0) return join(folder, currentOutputFileName(name));
  if (typeof run === 'number') {
    if (!Number.isInteger(run) || run < 0) throw new InvalidOptionError('run', 'a run id, an archive file name, or an archive number >= 0', run);
    const found = (await listArchives(folder, record))[run - 1];
    if (!found) throw new OutputNotFoundError(name, run);
    return found.path;
  }
  if (typeof run !== 'string' || run.length === 0) throw new InvalidOptionError('run', 'a run id, an archive file name, or an archive number >= 0', run);
  if (run === currentOutputFileName(name) || parseArchiveFileName(name, run)) return join(folder, run);
  const live = [record.state.run, ...record.state.extraRuns].find((r) => r?.runId === run);
  if (live) return join(folder, live.outputFile);
  const ledger = /^[\w.-]+$/.test(run) ? await store.readRun(name, run).catch(() => null) : null;
  // A hand-edited ledger must not point outside the folder.
  if (!ledger || !/^[\w.-]+$/.test(ledger.outputFile) || ledger.outputFile.startsWith('.')) throw new OutputNotFoundError(name, run);
  // The run's output must still be its own: a pruned archive's name may since have been given to a newer run.
  const current = ledger.outputFile === currentOutputFileName(name) && record.state.lastRunId === run;
  if (!current && !record.state.archives.some((a) => a.file === ledger.outputFile && a.runId === run)) throw new OutputNotFoundError(name, run);
  return join(folder, ledger.outputFile);
}

/** Last `n` lines of a run's output file, without its header and footer blocks (unless `raw`). */
export async function readRunLines(file: string, n: number, raw = false, end?: number): Promise<string[]> {
  if (raw || n === 0) return readTail(file, n, end);
  const want = n + FOOTER_LINES + HEADER_MAX_LINES;
  const lines = await readTail(file, want, end);
  return stripRunBlocks(lines, lines.length < want).slice(-n);
}

/** Last `n` lines of the selected output (or of its separate stderr file). */
export async function readOutput(folder: string, store: TaskStore, record: TaskRecord, n: number, run: OutputSelector, stream: 'stdout' | 'stderr' = 'stdout', raw = false): Promise<string[]> {
  const out = await resolveOutput(folder, store, record, run);
  const file = stream === 'stderr' ? join(dirname(out), errorFileOf(basename(out))) : out;
  if (run !== undefined && run !== 0) {
    const exists = await stat(file).then(() => true, () => false);
    if (!exists) throw new OutputNotFoundError(record.task.name, run);
  }
  return readRunLines(file, n, raw);
}
