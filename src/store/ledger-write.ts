// Run ledger record writes that create and free as few inodes as they can: the new content goes into the task's
// ledger spare (a run record's replaced inode, see store/spare.ts) when there is one, and the record it replaces
// becomes the next spare. Still temp file + fsync + rename: a reader (or a kill) sees the old or the new record.
import { renameSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { writeError } from '../fs-errors.js';
import { claimSpare, keepReplaced } from './spare.js';
import { removeQuietly, syncTemp, tempPathFor, writeTempFile } from './temp-file.js';

/**
 * Writes `data` to `file` atomically (like `writeFileAtomic`), using the spare `spare` as its temp file when there is
 * a usable one and keeping `file`'s replaced inode as the next spare. Lock-free: the spare is taken by a rename (see
 * {@link claimSpare}). A failed write leaves no temp file; errors are typed and name `file`.
 * @example `await writeWithSpare('runs/web/20260101-000000-000-abcdef.json', text, 'runs/web/.ledger.spare');`
 */
export async function writeWithSpare(file: string, data: string, spare: string): Promise<void> {
  const claimed = claimSpare(spare, tempPathFor(file));
  let tmp: string;
  try {
    tmp = claimed ? await syncTemp(claimed.fd, claimed.path, data, true) : await writeTempFile(file, data);
  } catch (error) {
    if (claimed) giveBack(claimed.path, spare);
    throw writeError(error, file);
  }
  const kept = keepReplaced(file, spare);
  try {
    // A rename over a file kept as the spare (or to a new name) frees nothing: a small call, made here; else (it may
    // free the replaced inode, slow on some file systems) on the thread pool.
    if (kept === 'not kept') await rename(tmp, file);
    else renameSync(tmp, file);
  } catch (error) {
    if (kept === 'kept') removeQuietly(spare); // the spare's name is nobody's until claimed: dropping it is always safe
    if (claimed) giveBack(tmp, spare);
    else removeQuietly(tmp);
    throw writeError(error, file);
  }
}

// A claimed spare whose write failed goes back under the spare's name (a link, then its temp name removed); if another
// spare is there meanwhile, it is simply removed.
function giveBack(path: string, spare: string): void {
  keepReplaced(path, spare);
  removeQuietly(path);
}
