// Folder-wide file chores of the JSON-folder store: listing tasks/, re-reading one record into a table's maps, and
// sweeping the temp files a killed writer left. Split out of folder-store.ts.
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptRecordError } from '../errors.js';
import { errnoOf, FolderError } from '../fs-errors.js';
import { TEMP_SUFFIX } from './atomic.js';
import { FOLDER_LAYOUT } from './layout.js';
import type { TaskRecord } from './records.js';
import { storeWriteError } from './write-error.js';

/** Temp files older than this are leftovers of a killed writer. */
export const TEMP_MAX_AGE_MS = 60_000;

/**
 * Names in `<folder>/tasks/`; a missing or wrong tasks/ is a FolderError naming it.
 * @example `const files = await listTaskFiles(folder);`
 */
export async function listTaskFiles(folder: string): Promise<string[]> {
  const dir = join(folder, FOLDER_LAYOUT.tasks);
  try {
    return await readdir(dir);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') throw new FolderError(dir, 'no such folder (ENOENT): the executor folder was moved or removed', error);
    throw storeWriteError(error, dir);
  }
}

/**
 * Re-reads task `name` with `read` into the given maps: absent removes it, unreadable moves it to `errors`; a read
 * older than what is cached (same task, lower rev) is dropped. Other read errors reject.
 * @example `await reloadRecord((n) => store.readTask(n), 'web', cache, errors);`
 */
export async function reloadRecord(read: (name: string) => Promise<TaskRecord | null>, name: string, cache: Map<string, TaskRecord>, errors: Map<string, CorruptRecordError>): Promise<void> {
  try {
    const record = await read(name);
    const cached = cache.get(name);
    if (record && cached && record.task.addedAt === cached.task.addedAt && record.rev < cached.rev) return;
    if (record) cache.set(name, record);
    else cache.delete(name);
    errors.delete(name);
  } catch (error) {
    if (!(error instanceof CorruptRecordError)) throw error;
    cache.delete(name);
    errors.set(name, error);
  }
}

/**
 * Removes temp files older than {@link TEMP_MAX_AGE_MS} in tasks/, every runs/<task>/ and the folder itself; resolves
 * with how many.
 * @example `const removed = await sweepTempFiles(folder);`
 */
export async function sweepTempFiles(folder: string): Promise<number> {
  const dirs = [join(folder, FOLDER_LAYOUT.tasks), folder];
  const runDirs = await readdir(join(folder, FOLDER_LAYOUT.runs)).catch(() => [] as string[]);
  dirs.push(...runDirs.map((d) => join(folder, FOLDER_LAYOUT.runs, d)));
  const cutoff = Date.now() - TEMP_MAX_AGE_MS;
  let removed = 0;
  for (const dir of dirs) {
    for (const f of await readdir(dir).catch(() => [] as string[])) {
      if (!f.endsWith(TEMP_SUFFIX)) continue;
      const info = await stat(join(dir, f)).catch(() => null);
      if (info && info.mtimeMs < cutoff && (await unlink(join(dir, f)).then(() => true, () => false))) removed++;
    }
  }
  return removed;
}
