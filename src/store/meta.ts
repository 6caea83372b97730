// The folder's identity file, created once (exclusively) and re-used by every later opener.
import { linkSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptRecordError, ExecutorError, IdMismatchError, InvalidOptionError } from '../errors.js';
import { errnoOf, FolderError } from '../fs-errors.js';
import { createFileExclusiveSync, readJsonIfPresentSync, writeFileAtomicSync } from './atomic.js';
import { assertFileEntry, assertSubfolders, prepareFolder } from './folder-check.js';
import { FOLDER_LAYOUT } from './layout.js';
import { storeWriteError } from './write-error.js';
import { FORMAT_VERSION, type FolderMeta } from './records.js';

/** File name of the folder's identity record. */
export const META_FILE = 'executor.json';
// 4 random bytes = 8 hex digits, as ExecutoR's ids.
const RANDOM_ID_BYTES = 4;
/** Allowed executor ids. */
export const EXECUTOR_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A random 8-hex-digit id, as ExecutoR makes. */
export function randomExecutorId(): string {
  return process.getBuiltinModule('node:crypto').randomBytes(RANDOM_ID_BYTES).toString('hex');
}

function checkMeta(file: string, value: unknown): FolderMeta {
  const meta = value as Partial<FolderMeta> | null;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) throw new CorruptRecordError(file, `a non-object (${JSON.stringify(value)})`);
  if (typeof meta.id !== 'string') throw new CorruptRecordError(file, 'no `id`');
  if (meta.formatVersion !== FORMAT_VERSION) throw new CorruptRecordError(file, `formatVersion ${JSON.stringify(meta.formatVersion)} (expected ${FORMAT_VERSION})`);
  return meta as FolderMeta;
}

// The parsed executor.json, or undefined when absent; a read error other than a bad content is a FolderError.
function readMetaFile(file: string): unknown {
  try {
    return readJsonIfPresentSync(file);
  } catch (error) {
    if (error instanceof ExecutorError) throw error;
    throw new FolderError(file, `an unreadable ${META_FILE} (${errnoOf(error) ?? (error as Error).message})`, error);
  }
}

/**
 * Creates the folder if needed and returns its identity, creating it with `id` (or a random one) if new. Throws
 * `FolderError` when the path cannot be an executor folder (a file, unwritable, too long, a NUL byte, a folder at
 * `executor.json`), `CorruptRecordError` when `executor.json` is not a valid identity.
 */
export function openFolderMeta(folder: string, id: string | undefined): FolderMeta {
  if (id !== undefined && (typeof id !== 'string' || !EXECUTOR_ID_PATTERN.test(id))) {
    throw new InvalidOptionError('id', 'an id matching /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/', id);
  }
  prepareFolder(folder);
  assertSubfolders(folder, [FOLDER_LAYOUT.tasks, FOLDER_LAYOUT.runs, FOLDER_LAYOUT.locks]); // before a new folder gets its id
  const file = join(folder, META_FILE);
  assertFileEntry(file, META_FILE);
  const existing = readMetaFile(file);
  if (existing !== undefined) {
    const meta = checkMeta(file, existing);
    if (id !== undefined && id !== meta.id) throw new IdMismatchError(folder, meta.id, id);
    return meta;
  }
  const fresh: FolderMeta = { formatVersion: FORMAT_VERSION, id: id ?? randomExecutorId(), createdAt: new Date().toISOString() };
  let created: boolean;
  try {
    created = createFileExclusiveSync(file, `${JSON.stringify(fresh, null, 2)}\n`, linkSync);
  } catch (error) {
    throw storeWriteError(error, file);
  }
  if (created) return fresh;
  // Another process created it first: use theirs.
  return openFolderMeta(folder, id);
}

/**
 * Cluster mode: records the cluster's id in the folder's `executor.json`, so the next `new Executor(folder, { cluster })`
 * on this host knows it before the database answers. Best effort (a folder that cannot be written keeps its own id).
 * @example `rememberClusterId('/srv/jobs', '89e6bc74')`
 */
export function rememberClusterId(folder: string, id: string): void {
  const file = join(folder, META_FILE);
  try {
    const meta = checkMeta(file, readMetaFile(file));
    if (meta.id !== id) writeFileAtomicSync(file, `${JSON.stringify({ ...meta, id }, null, 2)}\n`);
  } catch {
    // kept as it was
  }
}
