// Followed pages without a gap: the page shows the lines before a noted point of the file, and its live stream
// follows from that very point, so a line written between the page's read and the stream's start is shown once.
import { join } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import type { DashboardSdk } from './sdk.js';
import { currentOutputFileName } from '../output/archive.js';
import { readRunLines } from '../output/files.js';
import { followFile, notePosition, type FilePosition } from '../output/follow.js';
import { runBlockFilter } from '../output/header.js';
import { readTail } from '../output/tail.js';
import { FOLDER_LAYOUT } from '../store/layout.js';

/** A noted point as the page carries it: `dev.ino.size`, or `new` for a file that did not exist yet. */
export type Mark = string;

const NEW_FILE = 'new';
const MARK_PATTERN = /^(\d{1,20})\.(\d{1,20})\.(\d{1,20})$/;

/** The lines before a noted point of a followed file, and the point. */
export interface Snapshot { lines: string[]; mark: Mark }

function formatMark(at: FilePosition | null): Mark {
  return at === null ? NEW_FILE : `${at.dev}.${at.ino}.${at.size}`;
}

/**
 * A mark back as a position (null: the file did not exist); throws `InvalidOptionError` for anything else.
 * @example `parseMark('2049.1234.5678', 'from') // { dev: 2049, ino: 1234, size: 5678 }`
 */
export function parseMark(text: string, option: string): FilePosition | null {
  if (text === NEW_FILE) return null;
  const m = MARK_PATTERN.exec(text);
  const [dev, ino, size] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [NaN, NaN, NaN];
  if (![dev, ino, size].every(Number.isSafeInteger)) throw new InvalidOptionError(option, 'a mark of a followed page (dev.ino.size, or new)', text);
  return { dev, ino, size };
}

/** The current output file of a script task. */
export function outputFile(ex: DashboardSdk, name: string): string {
  return join(ex.folder, currentOutputFileName(name));
}

/** The executor log file. */
export function logFile(ex: DashboardSdk): string {
  return join(ex.folder, FOLDER_LAYOUT.log);
}

/**
 * The last `n` lines of a script task's current output (as `readOut`), and the point they end at.
 * @example `const { lines, mark } = await outputSnapshot(ex, 'web', 500);`
 */
export async function outputSnapshot(ex: DashboardSdk, name: string, n: number): Promise<Snapshot> {
  const file = outputFile(ex, name);
  const at = notePosition(file);
  return { lines: at === null ? [] : await readRunLines(file, n, false, at.size), mark: formatMark(at) };
}

/**
 * The last `n` lines of the executor log (as `readLog`), and the point they end at.
 * @example `const { lines, mark } = await logSnapshot(ex, 500);`
 */
export async function logSnapshot(ex: DashboardSdk, n: number): Promise<Snapshot> {
  await ex.readLog(0); // flushes this process's queued lines
  const file = logFile(ex);
  const at = notePosition(file);
  return { lines: at === null ? [] : await readTail(file, n, at.size), mark: formatMark(at) };
}

/**
 * The lines written to `file` after the noted point, across its archiving (a restart) and rotation; with `runBlocks`
 * false, a run's header and footer lines are left out, as `followOut` does.
 * @example `for await (const line of followFrom(file, parseMark(from, 'from'), signal, false)) send(line);`
 */
export async function* followFrom(file: string, at: FilePosition | null, signal: AbortSignal, runBlocks: boolean): AsyncGenerator<string> {
  const keep = runBlocks ? () => true : runBlockFilter();
  for await (const line of followFile(file, at === null ? { signal, fromStart: true } : { signal, startAt: at })) if (keep(line)) yield line;
}
