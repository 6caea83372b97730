// The error message of a failed script run, read synchronously while the run is closed: a few system calls on the
// output's last 64 KiB, so a restart does not wait for thread-pool round trips before its spawn. The same message as
// program/error-line.ts's lastErrorLine, which the caller falls back to when the lines searched do not fit in that chunk.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { runBlockFilter } from '../output/header.js';
import { TAIL_CHUNK_BYTES } from '../output/tail.js';
import { ERROR_LINE_SEARCH, MAX_ERROR_MESSAGE_CHARS } from '../program/error-line.js';

const LF = 0x0a;
const CR = 0x0d;
// The ISO time `timestamps: true` puts before each line (as program/error-line.ts strips it).
const LINE_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z /;

// Reads the last `length` bytes of the open file of `size` bytes.
function readEnd(fd: number, size: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const read = readSync(fd, buffer, filled, length - filled, size - length + filled);
    if (read === 0) break;
    filled += read;
  }
  return buffer;
}

// The last `n` lines of `file` as readTail gives them ([] when it cannot be read), or null when they reach further
// back than the last chunk.
function tailLines(file: string, n: number): string[] | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return [];
    const chunk = readEnd(fd, size, Math.min(TAIL_CHUNK_BYTES, size));
    const end = chunk[chunk.length - 1] === LF ? chunk.length - 1 : chunk.length; // a final "\n" ends the last line
    let start = -1;
    let found = 0;
    for (let i = end - 1; i >= 0; i--) {
      i = chunk.lastIndexOf(LF, i);
      if (i < 0) break;
      if (++found === n) { start = i + 1; break; }
    }
    if (start < 0 && chunk.length < size) return null;
    return chunk.subarray(Math.max(start, 0), end).toString('utf8').split('\n').map((l) => (l.charCodeAt(l.length - 1) === CR ? l.slice(0, -1) : l));
  } catch {
    return [];
  } finally {
    closeSync(fd);
  }
}

// The last non-empty line of `file` outside header and footer blocks; undefined when it needs a longer read.
function lastLine(file: string, stamped: boolean): string | null | undefined {
  const lines = tailLines(file, ERROR_LINE_SEARCH);
  if (lines === null) return undefined;
  const kept = lines.filter(runBlockFilter());
  for (let i = kept.length - 1; i >= 0; i--) {
    const text = (stamped ? kept[i]!.replace(LINE_STAMP, '') : kept[i]!).trim();
    if (text !== '') return text.slice(0, MAX_ERROR_MESSAGE_CHARS);
  }
  return null;
}

/**
 * The last non-empty line of `errorFile` (when stderr is separate), else of `outputFile`, as `lastErrorLine` finds it,
 * read synchronously; `undefined` when the lines it looks at reach back further than the files' last 64 KiB (then
 * use `lastErrorLine`).
 * @example `const message = lastErrorLineSync(folder, 'job.txt', null) ?? null;`
 */
export function lastErrorLineSync(folder: string, outputFile: string, errorFile: string | null, stamped = false): string | null | undefined {
  const fromStderr = errorFile === null ? null : lastLine(join(folder, errorFile), stamped);
  if (fromStderr !== null) return fromStderr;
  return lastLine(join(folder, outputFile), stamped);
}
