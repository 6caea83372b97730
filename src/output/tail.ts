// The last lines of a (possibly huge) output file, read backwards from the end in fixed-size chunks.
import { open, type FileHandle } from 'node:fs/promises';
import { InvalidOptionError } from '../errors.js';

/** Bytes read per step when walking backwards from the end of the file. */
export const TAIL_CHUNK_BYTES = 65_536;

// Byte values of "\n" and "\r".
const LF = 0x0a;
const CR = 0x0d;

/**
 * The last `n` lines of `file`, oldest first.
 *
 * Reads backwards from the end in {@link TAIL_CHUNK_BYTES} chunks and stops as soon as `n` lines
 * are complete, so the cost depends on the length of those lines, not on the size of the file.
 * A trailing newline does not produce an empty last line; a partial last line (no newline yet)
 * is returned as the last line. `\r\n` endings are stripped. Text is decoded as UTF-8.
 *
 * @param file - Path of the file.
 * @param n - How many lines, a non-negative integer. `0` gives `[]`.
 * @param end - Read as if the file ended at this byte offset (the lines before a position noted earlier); default its size.
 * @returns The lines, or `[]` when the file does not exist.
 * @example
 * ```ts
 * const last = await readTail('/srv/tasks/job.txt', 20);
 * ```
 */
export async function readTail(file: string, n: number, end = Number.MAX_SAFE_INTEGER): Promise<string[]> {
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidOptionError('n', 'a non-negative integer', n);
  if (n === 0) return [];
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    return await tailOfHandle(handle, n, end);
  } finally {
    await handle.close();
  }
}

async function tailOfHandle(handle: FileHandle, n: number, endAt: number): Promise<string[]> {
  const size = Math.min((await handle.stat()).size, endAt);
  if (size === 0) return [];
  const chunks: Buffer[] = [];
  let pos = size;
  // End (exclusive) of the text that holds the lines: a final "\n" ends the last line, it does not start one.
  let end = -1;
  let found = 0; // newlines found before `end`, i.e. lines known to be complete
  let start = 0; // where the first wanted line begins; 0 unless n newlines were found
  while (pos > 0) {
    const length = Math.min(TAIL_CHUNK_BYTES, pos);
    pos -= length;
    const chunk = await readAt(handle, pos, length);
    chunks.push(chunk);
    let i = chunk.length - 1;
    if (end < 0) {
      if (chunk[i] === LF) i--;
      end = pos + i + 1;
    }
    let stop = -1;
    for (; i >= 0; i--) {
      i = chunk.lastIndexOf(LF, i);
      if (i < 0) break;
      if (++found === n) { stop = i; break; }
    }
    if (stop >= 0) { start = pos + stop + 1; break; }
  }
  // Collect Buffers and decode once: a chunk boundary may split a multi-byte character.
  const text = Buffer.concat(chunks.reverse()).subarray(start - pos, end - pos);
  return text.toString('utf8').split('\n').map(stripCarriageReturn);
}

// Reads exactly `length` bytes at `position`; if the file shrank meanwhile the missing bytes stay zero,
// which keeps the offsets right (the result of reading a file while it is truncated is garbage anyway).
async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer;
}

function stripCarriageReturn(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}
