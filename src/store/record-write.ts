// Writes and deletes of a task record that a failed journal append undoes: the old entry is kept aside (a hard link,
// or the entry itself when it is a folder) until the change is journalled, and put back if it cannot be.
import { link, lstat, rename, rm, unlink } from 'node:fs/promises';
import { errnoOf } from '../fs-errors.js';
import { tempPathFor, writeFileAtomic } from './atomic.js';
import { storeWriteError } from './write-error.js';

/** The entry a record file had before a change: a hard link to the old file, or the moved-away folder. */
export interface AsideEntry {
  /** Temp path (`<file>.<pid>.<random>.tmp`: ignored by readers, swept when old). */
  path: string;
  /** True when the entry was a folder (moved away, not linked). */
  folder: boolean;
}

/**
 * Keeps what `file` is now so it can be put back: a hard link to a file (readers still see it), or a folder in its
 * place moved away (it would block the rename of the new record). Null when there is nothing.
 */
export async function setAside(file: string): Promise<AsideEntry | null> {
  const path = tempPathFor(file);
  try {
    await link(file, path);
    return { path, folder: false };
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') return null;
    if (code !== 'EPERM' && code !== 'EISDIR') throw storeWriteError(error, file);
  }
  if (!(await lstat(file)).isDirectory()) throw storeWriteError(Object.assign(new Error('cannot link'), { code: 'EPERM' }), file);
  await rename(file, path).catch((error: unknown) => {
    throw storeWriteError(error, file);
  });
  return { path, folder: true };
}

/** Puts `aside` back at `file` (or removes `file` when there was nothing), after a change that must not stay. */
export async function restoreAside(file: string, aside: AsideEntry | null): Promise<void> {
  if (!aside || aside.folder) await unlink(file).catch(() => undefined);
  if (!aside) return;
  await rename(aside.path, file).catch(() => undefined);
  // rename does nothing when both names are links to one file (the write failed before replacing it): drop the link.
  if (!aside.folder) await unlink(aside.path).catch(() => undefined);
}

/** Drops the kept entry once the change is journalled. */
export async function discardAside(aside: AsideEntry | null): Promise<void> {
  if (aside) await rm(aside.path, { recursive: true, force: true }).catch(() => undefined);
}

/**
 * Writes `text` to `file` atomically, then runs `journal` (the change's journal append), waiting for `side` too. If
 * the write or the journal append fails, `file` is put back as it was and the error (typed, naming its file) thrown:
 * a rejected change changes nothing.
 */
export async function publishRecord(file: string, text: string, side: Promise<unknown>, journal: () => Promise<void>): Promise<void> {
  const aside = await setAside(file);
  try {
    // Wait for both even if one fails, so the lock is never released with a rename still in flight.
    const [written] = await Promise.allSettled([writeFileAtomic(file, text), side]);
    if (written.status === 'rejected') throw written.reason;
    await journal();
  } catch (error) {
    await restoreAside(file, aside);
    throw storeWriteError(error, file);
  }
  await discardAside(aside);
}

/** Deletes `file` (a record, or a folder in its place), then runs `journal`; puts it back if that fails. */
export async function deleteRecord(file: string, journal: () => Promise<void>): Promise<void> {
  const path = tempPathFor(file);
  let moved = true;
  try {
    await rename(file, path);
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw storeWriteError(error, file);
    moved = false;
  }
  try {
    await journal();
  } catch (error) {
    if (moved) await rename(path, file).catch(() => undefined);
    throw storeWriteError(error, file);
  }
  if (moved) await rm(path, { recursive: true, force: true }).catch(() => undefined);
}
