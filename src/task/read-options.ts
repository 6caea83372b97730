// Options of readOut / readLog, checked before anything is read, and the read itself.
import { InvalidOptionError } from '../errors.js';
import { readOutput, type OutputSelector } from '../output/files.js';
import { readProgramOutput } from '../program/read-out.js';
import type { TaskRecord } from '../store/records.js';
import type { TaskStore } from '../store/store.js';

/** Default `nTail` of `readOut`. */
export const DEFAULT_READ_OUT_LINES = 50;
/** Default `n` of `nextRuns`. */
export const DEFAULT_NEXT_RUNS = 5;

/** Options of `readOut`. */
export interface ReadOutOptions {
  /**
   * Which output: omitted/0 = the current one, N = the Nth newest archive, or a runId / archive file name. For a
   * program: omitted/0 = the latest run, N = the Nth run before it, or a runId.
   */
  run?: OutputSelector;
  /** `'stderr'` reads the separate stderr file of a task with `stderr: 'separate'`. @defaultValue 'stdout' */
  stream?: 'stdout' | 'stderr';
  /** Include the run's header and footer lines (`# ...`). @defaultValue false */
  raw?: boolean;
  /** A program's step whose output to read. @defaultValue the run's current (or last started) step */
  step?: string;
}

/** Throws `InvalidOptionError` unless `n` is an integer >= 0. */
export function checkLines(n: unknown, option: string): number {
  if (!(Number.isInteger(n) && (n as number) >= 0)) throw new InvalidOptionError(option, 'an integer >= 0', n);
  return n as number;
}

/** Checks `readOut(name, nTail, options)`'s numbers and options. */
export function checkReadOut(nTail: unknown, options: ReadOutOptions): { stream: 'stdout' | 'stderr'; raw: boolean } {
  checkLines(nTail, 'nTail');
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'an object', options);
  const stream = options.stream ?? 'stdout';
  if (stream !== 'stdout' && stream !== 'stderr') throw new InvalidOptionError('stream', "'stdout' or 'stderr'", stream);
  if (options.raw !== undefined && typeof options.raw !== 'boolean') throw new InvalidOptionError('raw', 'a boolean', options.raw);
  if (options.step !== undefined && typeof options.step !== 'string') throw new InvalidOptionError('step', 'a step name', options.step);
  return { stream, raw: options.raw === true };
}

/** Runs `fn` for every task name in parallel; a failure becomes a row made by `onError` (with the error's message and code). */
export async function eachTask<T>(names: string[], fn: (name: string) => Promise<T>, onError: (name: string, e: { error: string; code: string }) => T): Promise<T[]> {
  return Promise.all(names.map((name) => fn(name).catch((error: Error & { code?: string }) => onError(name, { error: error.message, code: error.code ?? 'ERR_UNKNOWN' }))));
}

/** The last `n` lines of a task's output: a program's step (`step`), or a script run's output (`run`, `stream`). */
export async function readTaskOutput(folder: string, store: TaskStore, record: TaskRecord, n: number, options: ReadOutOptions, checked: { stream: 'stdout' | 'stderr'; raw: boolean }): Promise<string[]> {
  if (record.task.steps) return readProgramOutput(folder, store, record, n, options.run, options.step, checked.stream, checked.raw);
  if (options.step !== undefined) throw new InvalidOptionError('step', 'absent for a script task (steps belong to programs)', options.step);
  return readOutput(folder, store, record, n, options.run, checked.stream, checked.raw);
}
