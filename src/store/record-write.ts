// Writes and deletes of a task record that a failed journal append undoes: the old entry is kept aside (a hard link,
// or the entry itself when it is a folder) until the change is journalled, and put back if it cannot be.
import { linkSync, lstatSync, renameSync, unlinkSync } from 'node:fs';
import { rename, rm, unlink } from 'node:fs/promises';
import { errnoOf } from '../fs-errors.js';
import { tempPathFor } from './atomic.js';
import { writeGroupAtomic, type GroupFile } from './group-write.js';
import { removeQuietly, writeTempFile } from './temp-file.js';
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
 * place moved away (it would block the rename of the new record). Null when there is nothing. Synchronous: a link is
 * one small system call, cheaper than a round trip to the thread pool.
 */
export function setAside(file: string): AsideEntry | null {
  const path = tempPathFor(file);
  try {
    linkSync(file, path);
    return { path, folder: false };
  } catch (error) {
    const code = errnoOf(error);
    if (code === 'ENOENT') return null;
    if (code !== 'EPERM' && code !== 'EISDIR') throw storeWriteError(error, file);
  }
  let isFolder = false;
  try { isFolder = lstatSync(file).isDirectory(); } catch (error) { throw storeWriteError(error, file); }
  if (!isFolder) throw storeWriteError(Object.assign(new Error('cannot link'), { code: 'EPERM' }), file);
  try { renameSync(file, path); } catch (error) { throw storeWriteError(error, file); }
  return { path, folder: true };
}

function quietly(action: () => void): void {
  try {
    action();
  } catch {
    // best effort: the change is being undone or cleaned up
  }
}

/** Puts `aside` back at `file` (or removes `file` when there was nothing), after a change that must not stay. */
export function restoreAside(file: string, aside: AsideEntry | null): void {
  if (!aside || aside.folder) quietly(() => unlinkSync(file));
  if (!aside) return;
  quietly(() => renameSync(aside.path, file));
  // rename does nothing when both names are links to one file (the write failed before replacing it): drop the link.
  if (!aside.folder) quietly(() => unlinkSync(aside.path));
}

/**
 * Drops the kept entry once the change is journalled, on the thread pool: the old file's last link goes, which frees
 * its inode (slow on some file systems), and nothing needs to wait for that but the lock's release. Never rejects.
 */
export async function discardAside(aside: AsideEntry | null): Promise<void> {
  if (!aside) return;
  if (aside.folder) await rm(aside.path, { recursive: true, force: true }).catch(() => undefined);
  else await unlink(aside.path).catch(() => undefined);
}

/** What a published change leaves to do: drop the old entry kept aside (see {@link discardAside}). */
export interface Published {
  /** Resolves once the kept entry is gone; never rejects. Await it before the lock is let go. */
  cleanup: Promise<void>;
}

// Writes `text` to `file` atomically, its old entry kept aside (or absent): the rename then frees no inode, so it is a
// small system call, made synchronously.
async function writeKeptAside(file: string, text: string): Promise<void> {
  const tmp = await writeTempFile(file, text);
  try {
    renameSync(tmp, file);
  } catch (error) {
    removeQuietly(tmp);
    throw error;
  }
}

/**
 * Writes `text` to `file` atomically, then runs `journal` (the change's journal append), waiting for `side` too. If
 * the write or the journal append fails, `file` is put back as it was and the error (typed, naming its file) thrown:
 * a rejected change changes nothing.
 */
export async function publishRecord(file: string, text: string, side: Promise<unknown>, journal: () => Promise<void>): Promise<Published> {
  const aside = setAside(file);
  try {
    // Wait for both even if one fails, so the lock is never released with a rename still in flight.
    const [written] = await Promise.allSettled([writeKeptAside(file, text), side]);
    if (written.status === 'rejected') throw written.reason;
    await journal();
  } catch (error) {
    restoreAside(file, aside);
    throw storeWriteError(error, file);
  }
  return { cleanup: discardAside(aside) };
}

/**
 * {@link publishRecord} for several records at once, as one group commit: every record is set aside, all are written
 * by {@link writeGroupAtomic} (one fsync per file, then the renames), then `journal` runs once. If any of it fails,
 * every record of the group is put back as it was and the error (typed, naming its file) thrown: the group is written
 * whole or not at all. `extra` files (e.g. run ledger records) are written in the same group but never put back.
 * Resolves with each record's clean-up, in order.
 */
export async function publishRecords(records: GroupFile[], extra: GroupFile[], journal: () => Promise<void>): Promise<Published[]> {
  const asides: (AsideEntry | null)[] = [];
  try {
    for (const { file } of records) asides.push(setAside(file));
    await writeGroupAtomic([...records, ...extra], storeWriteError);
    await journal();
  } catch (error) {
    asides.forEach((aside, i) => restoreAside(records[i]!.file, aside));
    throw error;
  }
  return asides.map((aside) => ({ cleanup: discardAside(aside) }));
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
