// Checks that a path can be an executor folder, and creates it and its sub-folders, throwing FolderError (ERR_FOLDER)
// naming the wrong entry instead of a raw EEXIST, ENOTDIR, EISDIR, EACCES or ENAMETOOLONG — or a hang: Node's
// recursive mkdir loops forever where mkdir gives ENOENT under an existing parent (e.g. under /proc).
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { errnoOf, FolderError } from '../fs-errors.js';

/** Longest path the library's files add below the folder (`runs/<task>/<runId>/<step>_<stamp>-N.err.txt` + temp suffix), bytes. */
export const FOLDER_INNER_PATH_BYTES = 300;
/** Linux's limit of a whole path, bytes (with the final NUL). */
export const PATH_MAX_BYTES = 4096;
/** Linux's limit of one path component, bytes. */
export const NAME_MAX_BYTES = 255;
/** Longest folder path accepted, bytes: room is left for the files inside it. */
export const MAX_FOLDER_PATH_BYTES = PATH_MAX_BYTES - 1 - FOLDER_INNER_PATH_BYTES;

// "got …" phrases of FolderError for the system errors met while looking at or creating the folder.
const REASONS: Readonly<Record<string, string>> = {
  EACCES: 'a path this process may not write (EACCES)',
  EPERM: 'a path where folders may not be created (EPERM)',
  EROFS: 'a path on a read-only file system (EROFS)',
  ENOENT: 'a path where folders cannot be created (ENOENT)',
  ENOTDIR: 'a path through a file (ENOTDIR)',
  ENAMETOOLONG: 'a path too long (ENAMETOOLONG)',
  ELOOP: 'a path with a loop of symbolic links (ELOOP)',
  ENOSPC: 'a path on a full file system (ENOSPC)',
  EDQUOT: 'a path over its disk quota (EDQUOT)',
};

function folderError(path: string, error: unknown): FolderError {
  const code = errnoOf(error);
  return new FolderError(path, (code !== null ? REASONS[code] : undefined) ?? `a path that cannot be used (${(error as Error).message})`, error);
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (error) {
    throw folderError(path, error);
  }
}

// Like statOrNull, but a path below a file (ENOTDIR) is just not there: the walk up then finds that file.
function statThrough(path: string): Stats | null {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (error) {
    if (errnoOf(error) === 'ENOTDIR') return null;
    throw folderError(path, error);
  }
}

/**
 * Throws `FolderError` unless the absolute path `folder` could be an executor folder: no NUL byte, short enough for the
 * files inside it ({@link MAX_FOLDER_PATH_BYTES}), no component over 255 bytes, and no file in its place or in place of
 * one of its parents. Writes nothing.
 *
 * @example
 * ```ts
 * checkFolderPath('/etc/hostname'); // throws FolderError: a file, not a folder
 * ```
 */
export function checkFolderPath(folder: string): void {
  if (folder.includes('\0')) throw new FolderError(folder, 'a path containing a NUL byte');
  const bytes = Buffer.byteLength(folder);
  if (bytes > MAX_FOLDER_PATH_BYTES) {
    throw new FolderError(folder, `a path too long (ENAMETOOLONG): ${bytes} bytes, at most ${MAX_FOLDER_PATH_BYTES} leave room for the files inside it`);
  }
  if (folder.split('/').some((part) => Buffer.byteLength(part) > NAME_MAX_BYTES)) {
    throw new FolderError(folder, `a path with a name longer than ${NAME_MAX_BYTES} bytes (ENAMETOOLONG)`);
  }
  let path = folder;
  for (;;) {
    const info = statThrough(path);
    if (info) {
      if (info.isDirectory()) return;
      throw new FolderError(folder, path === folder ? 'a file, not a folder' : `a path through ${path}, which is a file, not a folder`);
    }
    const parent = dirname(path);
    if (parent === path) return;
    path = parent;
  }
}

/**
 * Checks `folder` ({@link checkFolderPath}), creates it and its missing parents one by one, and checks this process
 * may write it. Throws `FolderError` saying what is wrong.
 */
export function prepareFolder(folder: string): void {
  checkFolderPath(folder);
  const missing: string[] = [];
  for (let path = folder; statOrNull(path) === null; path = dirname(path)) missing.unshift(path);
  for (const path of missing) {
    try {
      mkdirSync(path);
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST' || !statOrNull(path)?.isDirectory()) throw folderError(path, error);
    }
  }
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = errnoOf(error);
    throw new FolderError(folder, code === 'EROFS' ? 'a folder on a read-only file system (EROFS)' : `a folder this process may not write (${code ?? 'EACCES'})`, error);
  }
}

/** Throws `FolderError` naming the first of the sub-folders `dirs` of `folder` that exists but is not a folder. Writes nothing. */
export function assertSubfolders(folder: string, dirs: readonly string[]): void {
  for (const dir of dirs) {
    const path = join(folder, dir);
    const info = statOrNull(path);
    if (info && !info.isDirectory()) throw new FolderError(path, `a file where the folder ${dir}/ should be: remove or rename it`);
  }
}

/** Creates the sub-folders `dirs` of `folder` where missing; throws `FolderError` naming one that is a file. */
export function ensureSubfolders(folder: string, dirs: readonly string[]): void {
  for (const dir of dirs) {
    const path = join(folder, dir);
    try {
      mkdirSync(path);
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw folderError(path, error);
      assertSubfolders(folder, [dir]);
    }
  }
}

/** Throws `FolderError` when `file` inside the folder exists but is not a regular file (e.g. a folder at `executor.json`). */
export function assertFileEntry(file: string, entry: string): void {
  const info = statOrNull(file);
  if (info && !info.isFile()) throw new FolderError(file, `a ${info.isDirectory() ? 'folder' : 'special file'} where the file ${entry} should be: remove or rename it`);
}
