// Spare record files: a task record's replaced inode kept (renamed, not removed) as the temp file of its next write.
// Creating a file costs up to ~1 ms of kernel CPU on an ext4 without a journal after much file churn (the allocator
// walks past every inode freed in the last minutes), and freeing one makes later creations slower still; a write that
// reuses the spare creates and frees nothing. A leaf module.
import { constants, fstatSync, openSync, renameSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { closeQuietly } from './temp-file.js';

/**
 * Name of a task's spare record file, in its run folder (`runs/<task>/.record.spare`): neither `.json` (readers list
 * those) nor `.tmp` (the sweep removes old ones). Only touched under the task's lock.
 */
export const SPARE_NAME = '.record.spare';

// Write-only, never created (a missing spare means: create a temp file as before), never through a symbolic link.
// Not truncated: the new content is written over the old and the file then cut to its length (see syncTemp), so its
// data block is reused too (emptying a file frees its blocks, which costs as much as creating a file here).
const SPARE_OPEN_FLAGS = constants.O_WRONLY | constants.O_NOFOLLOW;

/**
 * Opens the spare `file` for a new record (write it with `syncTemp(fd, file, data, true)`), or returns null when there is none to reuse: missing, not a
 * plain file (a folder, a symbolic link), or linked elsewhere too (then writing it would change that other name).
 * Never throws: the caller then creates a temp file.
 */
export function openSpare(file: string): number | null {
  let fd: number;
  try {
    fd = openSync(file, SPARE_OPEN_FLAGS);
  } catch {
    return null;
  }
  try {
    const info = fstatSync(fd);
    if (info.isFile() && info.nlink === 1) return fd;
  } catch {
    // unusable: fall through
  }
  closeQuietly(fd);
  return null;
}

/**
 * Keeps `path` (a replaced record's last name, e.g. its aside link) as the spare `file`, replacing any spare there.
 * Returns false when it could not be moved (the caller then removes it).
 */
export function keepAsSpare(path: string, file: string): boolean {
  try {
    renameSync(path, file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes an empty spare in the run folder `runDir` (if there is none), so that even a task's first record write in a
 * batch (its first startAll) creates no file: meant for when the task is added. Best effort: never rejects.
 * @example `await createSpare(join(folder, 'runs', name));`
 */
export async function createSpare(runDir: string): Promise<void> {
  try {
    await (await open(join(runDir, SPARE_NAME), 'wx')).close();
  } catch {
    // there already, or no run folder: the first write then creates a temp file as before
  }
}
