// Crash-safe file writes: temp file in the same folder, fsync, rename over the target.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { CorruptRecordError } from '../errors.js';
import { writeError } from '../fs-errors.js';
import { RECORD_FILE_MODE, removeQuietly, tempPathFor, writeTempFile } from './temp-file.js';

export { RECORD_FILE_MODE, TEMP_SUFFIX, tempPathFor } from './temp-file.js';

/**
 * Writes `data` to `file` atomically: a reader sees the old or the new content, never a mix. A failed write leaves no
 * temp file and rejects with `NoSpaceError` / `ReadOnlyError` (naming `file`) on ENOSPC, EDQUOT or EROFS.
 */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  let tmp = '';
  try {
    tmp = await writeTempFile(file, data);
    await rename(tmp, file); // on the thread pool: it may free the replaced file's inode
  } catch (error) {
    if (tmp !== '') removeQuietly(tmp);
    throw writeError(error, file);
  }
}

/** Synchronous twin of {@link writeFileAtomic}, for the constructor. */
export function writeFileAtomicSync(file: string, data: string): void {
  const tmp = writeTempSync(file, data);
  try {
    renameSync(tmp, file);
  } catch (error) {
    removeQuietly(tmp);
    throw writeError(error, file);
  }
}

// Writes and fsyncs a temp file beside `file`; returns its path. A failed write leaves no temp file.
function writeTempSync(file: string, data: string): string {
  const tmp = tempPathFor(file);
  try {
    const fd = openSync(tmp, 'w', RECORD_FILE_MODE);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    removeQuietly(tmp);
    throw writeError(error, file);
  }
  return tmp;
}

/** Writes a temp file and publishes it only if `file` does not exist yet (link is exclusive). */
export function createFileExclusiveSync(file: string, data: string, link: (from: string, to: string) => void): boolean {
  const tmp = writeTempSync(file, data);
  try {
    link(tmp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw writeError(error, file);
  } finally {
    removeQuietly(tmp);
  }
}

/** Parses JSON text, turning a syntax error into a `CorruptRecordError` naming the file. */
export function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CorruptRecordError(file, `unparseable JSON (${(error as Error).message})`);
  }
}

/**
 * Reads and parses a JSON file; `undefined` when it does not exist (a file holding `null` gives `null`: it is there).
 * Other read errors (e.g. EISDIR) are rethrown as they are.
 */
export async function readJsonIfPresent(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseJson(file, text);
}

/** Synchronous twin of {@link readJsonIfPresent}. */
export function readJsonIfPresentSync(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseJson(file, text);
}

/** Reads and parses a JSON file; `null` when it does not exist (or holds `null`: use {@link readJsonIfPresent} to tell). */
export async function readJson(file: string): Promise<unknown> {
  return (await readJsonIfPresent(file)) ?? null;
}

/** Synchronous twin of {@link readJson}. */
export function readJsonSync(file: string): unknown {
  return readJsonIfPresentSync(file) ?? null;
}
