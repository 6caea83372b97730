// Crash-safe file writes: temp file in the same folder, fsync, rename over the target.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { CorruptRecordError } from '../errors.js';

/** Suffix of in-flight temp files; readers ignore them and the supervisor sweeps old ones. */
export const TEMP_SUFFIX = '.tmp';
/** Mode of record files. */
export const RECORD_FILE_MODE = 0o644;
const TEMP_RANDOM_BYTES = 4;

function tempPathFor(file: string): string {
  return `${file}.${process.pid}.${randomBytes(TEMP_RANDOM_BYTES).toString('hex')}${TEMP_SUFFIX}`;
}

/** Writes `data` to `file` atomically: a reader sees the old or the new content, never a mix. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = tempPathFor(file);
  const handle = await open(tmp, 'w', RECORD_FILE_MODE);
  try {
    await handle.writeFile(data, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** Synchronous twin of {@link writeFileAtomic}, for the constructor. */
export function writeFileAtomicSync(file: string, data: string): void {
  renameSync(writeTempSync(file, data), file);
}

// Writes and fsyncs a temp file beside `file`; returns its path.
function writeTempSync(file: string, data: string): string {
  const tmp = tempPathFor(file);
  const fd = openSync(tmp, 'w', RECORD_FILE_MODE);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
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
    throw error;
  } finally {
    unlinkSync(tmp);
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

/** Reads and parses a JSON file; `null` when it does not exist. */
export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseJson(file, text);
}

/** Synchronous twin of {@link readJson}. */
export function readJsonSync(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseJson(file, text);
}
