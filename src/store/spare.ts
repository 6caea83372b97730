// Spare record files: a task record's replaced inode kept (renamed, not removed) as the temp file of its next write.
// Creating a file costs up to ~1 ms of kernel CPU on an ext4 without a journal after much file churn (the allocator
// walks past every inode freed in the last minutes), and freeing one makes later creations slower still; a write that
// reuses the spare creates and frees nothing. A leaf module.
import { constants, fstatSync, linkSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoOf } from '../fs-errors.js';
import { closeQuietly } from './temp-file.js';

/**
 * Name of a task's spare record file, in its run folder (`runs/<task>/.record.spare`): neither `.json` (readers list
 * those) nor `.tmp` (the sweep removes old ones). Only touched under the task's lock.
 */
export const SPARE_NAME = '.record.spare';

/**
 * Name of a task's spare run ledger file, in its run folder (`runs/<task>/.ledger.spare`): a replaced run record's
 * inode, kept for the next run record write of the task. Unlike the record spare it is taken by renaming it away
 * first ({@link claimSpare}), so ledger writes need no lock of their own: whoever renames it owns it.
 */
export const LEDGER_SPARE_NAME = '.ledger.spare';

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

/** A spare taken for one write: its open descriptor and the temp name it now has. */
export interface ClaimedSpare {
  fd: number;
  path: string;
}

/**
 * Takes the spare `file` for one write by renaming it to `tmp` (a temp name on the same file system, e.g.
 * `tempPathFor(target)`), then opens it: only one writer can win the rename, so no lock is needed. Returns null (and
 * leaves nothing at `tmp`) when there is no usable spare: missing, not a plain file, or linked elsewhere too (a crash
 * between {@link keepReplaced} and its rename can leave it so). Never throws: the caller then creates a temp file.
 */
export function claimSpare(file: string, tmp: string): ClaimedSpare | null {
  try {
    renameSync(file, tmp);
  } catch {
    return null;
  }
  const fd = openSpare(tmp);
  if (fd !== null) return { fd, path: tmp };
  try {
    unlinkSync(tmp); // drops one name: a file linked elsewhere too keeps its other name
  } catch {
    try { renameSync(tmp, file); } catch { /* a folder or the like, left under its temp name */ }
  }
  return null;
}

/**
 * Before `file` is replaced by a rename, gives its current inode a second name, the spare `spare` (when there is no
 * spare yet), so the rename frees nothing and the old inode is the next write's temp file. A spare taken while it
 * still has two names is refused by {@link claimSpare}. For a spare in `file`'s folder. Returns `'kept'`, `'absent'`
 * (no `file`, or no folder: the rename frees nothing either) or `'not kept'` (a spare already there…); never throws.
 */
export function keepReplaced(file: string, spare: string): 'kept' | 'absent' | 'not kept' {
  try {
    linkSync(file, spare);
    return 'kept';
  } catch (error) {
    return errnoOf(error) === 'ENOENT' ? 'absent' : 'not kept';
  }
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
