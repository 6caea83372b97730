// followOut for a program: the lines its runs' steps print, step after step and run after run, as they are written.
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { OutputNotFoundError } from '../errors.js';
import { FOLLOW_POLL_MS, FOLLOW_READ_BYTES } from '../output/follow.js';
import { runBlockFilter } from '../output/header.js';
import type { RunRecord, TaskRecord } from '../store/records.js';

/** What a program follower needs. */
export interface ProgramFollowOptions {
  /** How often the run's record and step files are read, ms. @defaultValue 100 (FOLLOW_POLL_MS) */
  pollMs?: number;
  /** Ends the iteration. */
  signal?: AbortSignal;
  /** Also yield each attempt's header and footer lines. @defaultValue false */
  raw?: boolean;
  /** Start with what the current run's steps have printed so far. @defaultValue false */
  fromStart?: boolean;
  /** Follow only this run, from its first step, and end once it has ended. @defaultValue every run from now on */
  only?: string;
  /** `'stderr'` follows the steps' separate stderr files. @defaultValue 'stdout' */
  stream?: 'stdout' | 'stderr';
}

/** Reads what a follower needs: the task record, the task's run ids (oldest first) and a run's ledger record. */
export interface ProgramSource {
  task(): Promise<TaskRecord | null>;
  runIds(): Promise<string[]>;
  run(runId: string): Promise<RunRecord | null>;
}

// Reads `file` from `offset` (at most one chunk); no bytes when it is missing.
async function readFrom(file: string, offset: number): Promise<Buffer> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return Buffer.alloc(0);
  try {
    const { size } = await handle.stat();
    const length = Math.min(Math.max(0, size - offset), FOLLOW_READ_BYTES);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Waits `ms`, or less if `signal` aborts first. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Where a follower is: a run, one of its steps, and how far into that step's file. */
interface Cursor { runId: string; step: number; offset: number; partial: string }

/** Where a follower stands between reads: the run it is in (or null, waiting for a run newer than `done`). */
interface Position { at: Cursor | null; done: string | null }

/**
 * New lines of a program's step outputs, in order: every step of the run being followed (from where its output
 * stood when following began, unless `fromStart`), including steps shorter than a poll, then every later run (by run
 * id) from its first step, until `signal` aborts or the iterator is returned.
 */
export async function* followProgram(folder: string, source: ProgramSource, options: ProgramFollowOptions = {}): AsyncGenerator<string> {
  const pollMs = options.pollMs ?? FOLLOW_POLL_MS;
  const filter = (): ((line: string) => boolean) => (options.raw === true ? () => true : runBlockFilter());
  let keep = filter();
  const only = options.only;
  const pos: Position = only === undefined ? await startPosition(folder, source, options.fromStart === true) : { at: { runId: only, step: 0, offset: 0, partial: '' }, done: null };
  while (!options.signal?.aborted) {
    if (pos.at === null && only !== undefined) return;
    if (pos.at === null) {
      const next = (await source.runIds().catch(() => [] as string[])).find((id) => pos.done === null || id > pos.done);
      if (next !== undefined) pos.at = { runId: next, step: 0, offset: 0, partial: '' };
    }
    const at = pos.at;
    const ledger = at === null ? null : await source.run(at.runId).catch(() => null);
    if (at === null || ledger === null) { await pause(pollMs, options.signal); continue; }
    const stepRecord = ledger.steps[at.step];
    if (options.stream === 'stderr' && stepRecord?.outputFile && !stepRecord.errorFile) throw new OutputNotFoundError(ledger.task, `${ledger.runId} (stderr: the task does not use stderr: 'separate')`);
    const file = (options.stream === 'stderr' ? stepRecord?.errorFile : stepRecord?.outputFile) ?? null;
    const chunk = file === null ? Buffer.alloc(0) : await readFrom(join(folder, file), at.offset);
    at.offset += chunk.length;
    const lines = (at.partial + chunk.toString('utf8')).split('\n');
    at.partial = lines.pop() ?? '';
    for (const raw of lines) {
      if (options.signal?.aborted) return;
      const line = raw.replace(/\r$/, '');
      if (keep(line)) yield line;
    }
    if (chunk.length > 0) continue;
    // A step is done once the run is past it (or has ended): on to the next step that ran, or to the next run.
    if (ledger.endedAt === null && (ledger.step ?? 0) <= at.step) { await pause(pollMs, options.signal); continue; }
    if (at.partial !== '' && keep(at.partial)) yield at.partial;
    keep = filter();
    const next = ledger.steps[at.step + 1];
    if (next !== undefined && (ledger.endedAt === null || next.outputFile !== null)) pos.at = { ...at, step: at.step + 1, offset: 0, partial: '' };
    else {
      pos.at = null;
      pos.done = at.runId;
    }
  }
}

// Where following begins: at the end of what the live run's current step printed so far (or at that run's start with
// `fromStart`); with no live run, after the newest run.
async function startPosition(folder: string, source: ProgramSource, fromStart: boolean): Promise<Position> {
  const ids = await source.runIds().catch(() => [] as string[]);
  const newest = ids.at(-1) ?? null;
  const record = await source.task().catch(() => null);
  const live = record?.state.run?.runId ?? record?.state.extraRuns.at(-1)?.runId ?? null;
  const ledger = live === null ? null : await source.run(live).catch(() => null);
  if (live === null || ledger === null || ledger.endedAt !== null) return { at: null, done: newest };
  if (fromStart) return { at: { runId: live, step: 0, offset: 0, partial: '' }, done: null };
  const step = ledger.step ?? 0;
  const file = ledger.steps[step]?.outputFile ?? null;
  const offset = file === null ? 0 : await stat(join(folder, file)).then((s) => s.size, () => 0);
  return { at: { runId: live, step, offset, partial: '' }, done: null };
}
