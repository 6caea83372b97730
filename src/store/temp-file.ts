// Temp files of atomic writes: their names, and creating, writing and fsyncing one. A leaf module.
import { closeSync, fsync, open, openSync, unlinkSync, writeSync } from 'node:fs';

/** Suffix of in-flight temp files; readers ignore them and the supervisor sweeps old ones. */
export const TEMP_SUFFIX = '.tmp';
/** Mode of record files. */
export const RECORD_FILE_MODE = 0o644;
const TEMP_RANDOM_BYTES = 4;
const TEMP_ID_MODULUS = 2 ** (8 * TEMP_RANDOM_BYTES);
const TEMP_ID_DIGITS = 2 * TEMP_RANDOM_BYTES;
// A random start (drawn once per process), then one more per temp name: unique within the process without a draw each.
let tempSeq = -1;

/** A unique temp name beside `file` (`<file>.<pid>.<8 hex digits>.tmp`): ignored by readers, swept when old. */
export function tempPathFor(file: string): string {
  if (tempSeq < 0) tempSeq = process.getBuiltinModule('node:crypto').randomBytes(TEMP_RANDOM_BYTES).readUInt32BE(0);
  tempSeq = (tempSeq + 1) % TEMP_ID_MODULUS;
  return `${file}.${process.pid}.${tempSeq.toString(16).padStart(TEMP_ID_DIGITS, '0')}${TEMP_SUFFIX}`;
}

/** Removes `file`, ignoring any error (already gone, or never created). */
export function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone, or never created
  }
}

/** Closes `fd`, ignoring any error. */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** fsync of an open file descriptor, on the thread pool (the one slow step of a small write; several run at once). */
export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** Writes all of `data` at the fd's position (a short write is continued; a failing one throws). */
export function writeAll(fd: number, data: string | Buffer): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * A synchronous creation slower than this (ms) sends the next ones to the thread pool: creating a file normally takes
 * microseconds, cheaper than a round trip there, but a file system slow to allocate inodes (seen on ext4 without a
 * journal, after many deletions) can take a millisecond or more, which would hold up the event loop.
 */
export const SLOW_CREATE_MS = 0.5;
let createOnPool = false;

function openOnPool(file: string): Promise<number> {
  return new Promise((resolve, reject) => open(file, 'w', RECORD_FILE_MODE, (error, fd) => (error ? reject(error) : resolve(fd))));
}

/**
 * Creates (or truncates) `file` for writing: synchronously while creations are fast, on the thread pool while they
 * are slow (see {@link SLOW_CREATE_MS}; each creation there that turns out fast brings the next ones back).
 */
export async function createForWrite(file: string): Promise<number> {
  const started = performance.now();
  if (createOnPool) {
    const fd = await openOnPool(file);
    if (performance.now() - started < SLOW_CREATE_MS / 2) createOnPool = false;
    return fd;
  }
  const fd = openSync(file, 'w', RECORD_FILE_MODE);
  if (performance.now() - started > SLOW_CREATE_MS) createOnPool = true;
  return fd;
}

/**
 * Creates the temp file of `file`, writes `data` and fsyncs it; resolves with its path (for the caller to rename).
 * A failure leaves no temp file.
 */
export async function writeTempFile(file: string, data: string): Promise<string> {
  const tmp = tempPathFor(file);
  return syncTemp(await createForWrite(tmp), tmp, data);
}

/** Writes `data` to the fresh temp file `fd` (at `tmp`) and fsyncs it, then closes it; removes it if that fails. */
export async function syncTemp(fd: number, tmp: string, data: string): Promise<string> {
  try {
    writeAll(fd, data);
    await fsyncFd(fd);
  } catch (error) {
    removeQuietly(tmp);
    throw error;
  } finally {
    closeQuietly(fd);
  }
  return tmp;
}
