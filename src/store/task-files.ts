// Reading task record files (`tasks/<name>.json`): one at a time, asynchronously or synchronously, and a whole table
// in slices. A file that is not a valid record is a CorruptRecordError naming it.
import { join } from 'node:path';
import { CorruptRecordError, ExecutorError } from '../errors.js';
import { errnoOf } from '../fs-errors.js';
import { readJsonIfPresent, readJsonIfPresentSync } from './atomic.js';
import { FOLDER_LAYOUT, JSON_EXT } from './layout.js';
import { checkTaskRecord } from './record-check.js';
import type { TaskRecord } from './records.js';

/** Records a full table load reads synchronously before it lets the event loop run (see {@link loadTaskFiles}). */
export const TABLE_READS_PER_TURN = 64;

/** Path of task `name`'s record in `folder`. */
export function taskFileOf(folder: string, name: string): string {
  return join(folder, FOLDER_LAYOUT.tasks, `${name}${JSON_EXT}`);
}

// A record file that cannot be read (a folder in its place, no permission…) is a corrupt record, naming the file.
function unreadable(file: string, error: unknown): unknown {
  if (error instanceof ExecutorError) return error;
  const code = errnoOf(error);
  if (code === null) return error;
  return new CorruptRecordError(file, code === 'EISDIR' ? 'a folder, not a file (EISDIR)' : `an unreadable file (${code})`);
}

/**
 * Reads task `name`'s record from `file`; null when absent. A file that is not a valid record (`null`, a folder…)
 * throws `CorruptRecordError`.
 * @example `const record = await readTaskFile(taskFileOf(folder, 'web'), 'web');`
 */
export async function readTaskFile(file: string, name: string): Promise<TaskRecord | null> {
  const value = await readJsonIfPresent(file).catch((error: unknown) => {
    throw unreadable(file, error);
  });
  return value === undefined ? null : checkTaskRecord(file, value, name);
}

/**
 * {@link readTaskFile}, synchronously: a small file in three system calls rather than four thread-pool round trips
 * (under a task's lock, and for whole-table loads). Same errors.
 * @example `const record = readTaskFileSync(taskFileOf(folder, 'web'), 'web');`
 */
export function readTaskFileSync(file: string, name: string): TaskRecord | null {
  let value: unknown;
  try {
    value = readJsonIfPresentSync(file);
  } catch (error) {
    throw unreadable(file, error);
  }
  return value === undefined ? null : checkTaskRecord(file, value, name);
}

/**
 * Reads the records of `names` in `folder` into `cache` (corrupt ones into `errors`), synchronously,
 * {@link TABLE_READS_PER_TURN} at a time (100 records: ~3 ms instead of ~10 through the thread pool), letting the
 * event loop run between slices so a table of 10,000 never holds it long. Other read errors reject.
 * @example `await loadTaskFiles(folder, ['web', 'etl'], cache, errors);`
 */
export async function loadTaskFiles(folder: string, names: readonly string[], cache: Map<string, TaskRecord>, errors: Map<string, CorruptRecordError>): Promise<void> {
  for (let i = 0; i < names.length; i++) {
    if (i > 0 && i % TABLE_READS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
    const name = names[i]!;
    try {
      const record = readTaskFileSync(taskFileOf(folder, name), name);
      if (record) cache.set(name, record);
    } catch (error) {
      if (!(error instanceof CorruptRecordError)) throw error;
      errors.set(name, error);
    }
  }
}
