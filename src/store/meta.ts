// The folder's identity file, created once (exclusively) and re-used by every later opener.
import { linkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CorruptRecordError, IdMismatchError, InvalidOptionError } from '../errors.js';
import { createFileExclusiveSync, readJsonSync } from './atomic.js';
import { FORMAT_VERSION, type FolderMeta } from './records.js';

/** File name of the folder's identity record. */
export const META_FILE = 'executor.json';
// 4 random bytes = 8 hex digits, as ExecutoR's ids.
const RANDOM_ID_BYTES = 4;
/** Allowed executor ids. */
export const EXECUTOR_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A random 8-hex-digit id, as ExecutoR makes. */
export function randomExecutorId(): string {
  return randomBytes(RANDOM_ID_BYTES).toString('hex');
}

function checkMeta(file: string, value: unknown): FolderMeta {
  const meta = value as Partial<FolderMeta> | null;
  if (!meta || typeof meta !== 'object' || typeof meta.id !== 'string') throw new CorruptRecordError(file, 'no `id`');
  if (meta.formatVersion !== FORMAT_VERSION) throw new CorruptRecordError(file, `formatVersion ${JSON.stringify(meta.formatVersion)} (expected ${FORMAT_VERSION})`);
  return meta as FolderMeta;
}

/** Creates the folder if needed and returns its identity, creating it with `id` (or a random one) if new. */
export function openFolderMeta(folder: string, id: string | undefined): FolderMeta {
  if (id !== undefined && (typeof id !== 'string' || !EXECUTOR_ID_PATTERN.test(id))) {
    throw new InvalidOptionError('id', 'an id matching /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/', id);
  }
  mkdirSync(folder, { recursive: true });
  const file = join(folder, META_FILE);
  const existing = readJsonSync(file);
  if (existing !== null) {
    const meta = checkMeta(file, existing);
    if (id !== undefined && id !== meta.id) throw new IdMismatchError(folder, meta.id, id);
    return meta;
  }
  const fresh: FolderMeta = { formatVersion: FORMAT_VERSION, id: id ?? randomExecutorId(), createdAt: new Date().toISOString() };
  if (createFileExclusiveSync(file, `${JSON.stringify(fresh, null, 2)}\n`, linkSync)) return fresh;
  // Another process created it first: use theirs.
  return openFolderMeta(folder, id);
}
