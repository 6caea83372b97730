// followOut for a program: the lines its runs' steps print, step after step and run after run, as they are written.
import { open, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { join } from 'node:path';
import { OutputNotFoundError } from '../errors.js';
import { FOLLOW_POLL_MS, FOLLOW_READ_BYTES } from '../output/follow.js';
import { runBlockFilter } from '../output/header.js';
import type { RunRecord, TaskRecord } from '../store/records.js';
import type { AbortSignalLike } from '../signal-types.js';

/** What a program follower needs. */
export interface ProgramFollowOptions {
  /** How often the run's record and step files are read, ms. @defaultValue 100 (FOLLOW_POLL_MS) */
  pollMs?: number;
  /** Ends the iteration. */
  signal?: AbortSignalLike;
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

// Reads `file` from the cursor's offset (at most one chunk); no bytes when it is missing. A file replaced at the path
// (a `maxOutputBytes` rotation) is read from its start: what the old one got after the last read is in its archive.
async function readFrom(file: string, at: Cursor): Promise<Buffer> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return Buffer.alloc(0);
  try {
    const { size, ino } = await handle.stat();
    if (at.ino !== null && ino !== at.ino) at.offset = 0;
    at.ino = ino;
    const length = Math.min(Math.max(0, size - at.offset), FOLLOW_READ_BYTES);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, at.offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Reads in a row that may find no record of a followed run before it is taken as gone (removed, or pruned). */
export const MAX_MISSES = 3;

/** Splits bytes into lines (`\r\n` or `\n`), decoding UTF-8 across chunk boundaries. */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  #partial = '';

  /** The complete lines in `chunk` (with what came before it). */
  push(chunk: Buffer): string[] {
    const lines = (this.#partial + this.#decoder.write(chunk)).split('\n');
    this.#partial = lines.pop() ?? '';
    return lines.map((line) => line.replace(/\r$/, ''));
  }

  /** The last line if it had no newline (null if none), and a fresh start. */
  end(): string | null {
    const last = this.#partial + this.#decoder.end();
    this.#partial = '';
    return last === '' ? null : last;
  }
}

/** Waits `ms`, or less if `signal` aborts first. */
export function pause(ms: number, signal: AbortSignalLike | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Where a follower is: a run, one of its steps, and how far into that step's file. */
interface Cursor { runId: string; step: number; offset: number; lines: LineSplitter; ino: number | null }

/** Where a follower stands between reads: the run it is in (or null, waiting for a run newer than `done`). */
export interface Position { at: Cursor | null; done: string | null }

const cursor = (runId: string, step: number, offset = 0): Cursor => ({ runId, step, offset, lines: new LineSplitter(), ino: null });

/**
 * New lines of a program's step outputs, in order: every step of the run being followed (from where its output
 * stood when following began, unless `fromStart`), including steps shorter than a poll, then every later run (by run
 * id) from its first step, until `signal` aborts or the iterator is returned. `start`: a position taken earlier.
 */
export async function* followProgram(folder: string, source: ProgramSource, options: ProgramFollowOptions = {}, start?: Promise<Position>): AsyncGenerator<string> {
  const pollMs = options.pollMs ?? FOLLOW_POLL_MS;
  const filter = (): ((line: string) => boolean) => (options.raw === true ? () => true : runBlockFilter());
  let keep = filter();
  const only = options.only;
  let misses = 0;
  const pos: Position = only !== undefined ? { at: cursor(only, 0), done: null } : await (start ?? startPosition(folder, source, options.fromStart === true, options.stream));
  while (!options.signal?.aborted) {
    if (pos.at === null && only !== undefined) return;
    if (pos.at === null) {
      const next = (await source.runIds().catch(() => [] as string[])).find((id) => pos.done === null || id > pos.done);
      if (next !== undefined) pos.at = cursor(next, 0);
    }
    const at = pos.at;
    const ledger = at === null ? null : await source.run(at.runId).catch(() => null);
    if (only !== undefined && ledger === null && ++misses > MAX_MISSES) return; // the run is gone (its task removed)
    if (ledger !== null) misses = 0;
    if (at === null || ledger === null) { await pause(pollMs, options.signal); continue; }
    const file = stepFile(ledger, at.step, options.stream);
    const chunk = file === null ? Buffer.alloc(0) : await readFrom(join(folder, file), at);
    at.offset += chunk.length;
    for (const line of at.lines.push(chunk)) {
      if (options.signal?.aborted) return;
      if (keep(line)) yield line;
    }
    if (chunk.length > 0) continue;
    // A step is done once the run is past it (or has ended): on to the next step that ran, or to the next run.
    if (ledger.endedAt === null && (ledger.step ?? 0) <= at.step) { await pause(pollMs, options.signal); continue; }
    const last = at.lines.end();
    if (last !== null && keep(last)) yield last;
    keep = filter();
    const next = ledger.steps[at.step + 1];
    if (next !== undefined && (ledger.endedAt === null || next.outputFile !== null)) pos.at = cursor(at.runId, at.step + 1);
    else {
      pos.at = null;
      pos.done = at.runId;
    }
  }
}

// The file of step `index` for `stream`; a step that ran without a separate stderr file rejects a stderr follower.
function stepFile(ledger: RunRecord, index: number, stream: 'stdout' | 'stderr' | undefined): string | null {
  const step = ledger.steps[index];
  if (stream !== 'stderr') return step?.outputFile ?? null;
  if (step?.outputFile && !step.errorFile) throw OutputNotFoundError.noSeparateStderr(ledger.task);
  return step?.errorFile ?? null;
}

/**
 * Where following begins: at the end of what the live run's current step printed so far (or at that run's start with
 * `fromStart`); with no live run, after the newest run. Take it when following is asked for, so no line is missed.
 */
export async function startPosition(folder: string, source: ProgramSource, fromStart: boolean, stream?: 'stdout' | 'stderr'): Promise<Position> {
  const ids = await source.runIds().catch(() => [] as string[]);
  const newest = ids.at(-1) ?? null;
  const record = await source.task().catch(() => null);
  const live = record?.state.run?.runId ?? record?.state.extraRuns.at(-1)?.runId ?? null;
  const ledger = live === null ? null : await source.run(live).catch(() => null);
  if (live === null || ledger === null || ledger.endedAt !== null) return { at: null, done: newest };
  if (fromStart) return { at: cursor(live, 0), done: null };
  const step = ledger.step ?? 0;
  const file = stream === 'stderr' ? ledger.steps[step]?.errorFile ?? null : ledger.steps[step]?.outputFile ?? null;
  const offset = file === null ? 0 : await stat(join(folder, file)).then((s) => s.size, () => 0);
  return { at: cursor(live, step, offset), done: null };
}
