// Options of readOut / readLog, checked before anything is read.
import { InvalidOptionError } from '../errors.js';
import type { OutputSelector } from '../output/files.js';

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
