// The error message of a failed run or step: its last non-empty stderr line, or else its last output line.
import { join } from 'node:path';
import { runBlockFilter } from '../output/header.js';
import { readTail } from '../output/tail.js';

/** How many trailing lines are searched for a non-empty one. */
export const ERROR_LINE_SEARCH = 50;
/** Longest error message kept (characters). */
export const MAX_ERROR_MESSAGE_CHARS = 2_000;

// The ISO time `timestamps: true` puts before each line (see output/stamp.ts).
const LINE_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z /;

async function lastLine(file: string, stamped: boolean): Promise<string | null> {
  const lines = (await readTail(file, ERROR_LINE_SEARCH).catch(() => [] as string[])).filter(runBlockFilter());
  for (let i = lines.length - 1; i >= 0; i--) {
    const text = (stamped ? lines[i]!.replace(LINE_STAMP, '') : lines[i]!).trim();
    if (text !== '') return text.slice(0, MAX_ERROR_MESSAGE_CHARS);
  }
  return null;
}

/**
 * The last non-empty line of `errorFile` (when stderr is separate), else of `outputFile` (header and footer lines left
 * out; with `stamped`, each line's time stamp too).
 */
export async function lastErrorLine(folder: string, outputFile: string, errorFile: string | null, stamped = false): Promise<string | null> {
  const fromStderr = errorFile === null ? null : await lastLine(join(folder, errorFile), stamped);
  return fromStderr ?? lastLine(join(folder, outputFile), stamped);
}
