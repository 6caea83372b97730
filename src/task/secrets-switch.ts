// A task's kept secret values switched together with its record (`addTask`, a replace). Under the task's lock:
//  1. the store directory is put in line with the record (a copy from a replace that never got its record written is
//     put back; copies no record names are removed);
//  2. the copy the record names is linked into `previous/<task>.<gen>.json` (durable);
//  3. the new values are written as `<task>.json` with a new generation (temp, fsync, rename, fsync);
//  4. the caller writes the record naming that generation (`secretsRef`);
//  5. once the lock is free, the directories are put in line with the record again: the old copy goes.
// A crash anywhere leaves a record whose generation is still found (in `<task>.json` or `previous/`); never the old
// record with the new values, nor the reverse (task/secrets-lookup.ts reads only the generation the record names).
import { existsSync, readdirSync } from 'node:fs';
import { link, mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import { readTaskFileSync, taskFileOf } from '../store/task-files.js';
import { clusterOf } from '../cluster/pg-store.js';
import { errnoOf } from '../fs-errors.js';
import {
  currentFileIn, folderStoreDir, LEGACY_GEN, PREVIOUS_DIR, previousFileIn, readKept, removeSecrets,
  secretsRoot, SECRETS_DIR_MODE, storeError, syncDir, writeSecrets, type TaskSecrets,
} from './secrets-store.js';

/** What {@link switchSecrets} needs of the runtime. */
export type SwitchRuntime = Pick<Runtime, 'folder' | 'id' | 'store'>;

/** The generation a record names and the root it names (`null`: a record without `secretsRef`, any root). */
interface RecordRef {
  gen: string;
  root: string | null;
}

// What a record says of its task's kept values; null when there is no record.
function refOfRecord(record: TaskRecord | null): RecordRef | null {
  if (record === null) return null;
  const ref = record.task.secretsRef;
  return ref ? { gen: ref.gen, root: ref.root } : { gen: LEGACY_GEN, root: null };
}

// The record as it is on disk now (under the task's lock); one that cannot be read counts as none.
function recordOnDisk(folder: string, name: string): TaskRecord | null {
  try { return readTaskFileSync(taskFileOf(folder, name), name); } catch { return null; }
}

// The record as it is now, under the task's lock: in a cluster, its row (read over the lock's connection).
async function recordNow(rt: SwitchRuntime, name: string): Promise<TaskRecord | null> {
  if (clusterOf(rt.store) === null) return recordOnDisk(rt.folder, name);
  try { return await rt.store.readTask(name); } catch { return null; }
}

// The generation a store directory `root` should hold for a record: its own, when the record names this root (or
// any, for a record without one); none otherwise.
const wantIn = (root: string, ref: RecordRef | null): string | null => (ref !== null && (ref.root === null || ref.root === root) ? ref.gen : null);

// The generation of a copy: null when absent, '' when unreadable or not a secrets file (no record names it).
function genOf(file: string): string | null {
  try {
    const kept = readKept(file);
    return kept.state === 'found' ? kept.gen : kept.state === 'absent' ? null : '';
  } catch {
    return '';
  }
}

const escapeRe = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Removes `<dir>/previous/<name>.<gen>.json` (every gen) and leftovers of `<dir>/<name>.json`'s temp files; the
// `previous/` directory goes when empty. Quiet: housekeeping that the next write does again.
async function clearPrevious(dir: string, name: string): Promise<void> {
  const old = new RegExp(`^${escapeRe(name)}\\.([0-9a-f]{16}|${LEGACY_GEN})\\.json$`);
  const temp = new RegExp(`^${escapeRe(name)}\\.json\\.\\d+\\.[0-9a-f]{8}\\.tmp$`);
  const previous = join(dir, PREVIOUS_DIR);
  const list = (d: string): string[] => { try { return readdirSync(d); } catch { return []; } };
  const gone = [...list(previous).filter((f) => old.test(f)).map((f) => join(previous, f)), ...list(dir).filter((f) => temp.test(f)).map((f) => join(dir, f))];
  await Promise.all(gone.map((f) => rm(f, { force: true }).catch(() => undefined)));
  if (gone.length > 0) await rmdir(previous).catch(() => undefined); // ENOTEMPTY: other tasks' copies
}

/**
 * Puts task `name`'s copies in the store directory `dir` in line with `want`, the generation its record names there
 * (null: none): a copy of it set aside in `previous/` comes back as `<name>.json` if that holds another; every copy
 * of another generation is removed. Call under the task's lock. Quiet (best effort): a read checks the generation.
 * @example `await reconcileDir(dir, 'api', record.task.secretsRef?.gen ?? null)`
 */
export async function reconcileDir(dir: string, name: string, want: string | null): Promise<void> {
  const current = currentFileIn(dir, name);
  const gen = genOf(current);
  try {
    if (want !== null && gen !== want && genOf(previousFileIn(dir, name, want)) === want) await rename(previousFileIn(dir, name, want), current);
    else if (gen !== null && gen !== want) await rm(current, { force: true });
  } catch {
    // left for the next write; a read checks the generation anyway
  }
  await clearPrevious(dir, name);
}

// Links the copy the record names into previous/ (durably), so a crash before the new record keeps it findable.
async function setAside(current: string, aside: string): Promise<void> {
  try {
    await mkdir(dirname(aside), { recursive: true, mode: SECRETS_DIR_MODE });
    await link(current, aside).catch((error: unknown) => { if (errnoOf(error) !== 'EEXIST') throw error; });
    await syncDir(dirname(aside));
  } catch (error) {
    throw storeError(error, aside);
  }
}

// Once the task's lock is free again (the record written, or not), each directory touched is put in line with the
// record on disk: the replaced copy goes, or a new copy whose record was never written does. Under the lock, quietly.
function settleLater(rt: SwitchRuntime, name: string, roots: readonly string[]): Promise<void> {
  return rt.store.mutateTask(name, async (record) => {
    const ref = refOfRecord(record);
    for (const root of roots) await reconcileDir(folderStoreDir(root, rt.folder, rt.id), name, wantIn(root, ref));
    return { record: null, result: undefined };
  }).catch(() => undefined); // an unreadable record: nothing removed; the next write does it
}

/** What {@link switchSecrets} left to do once the task's lock is free. */
export interface SecretsSwitched {
  /**
   * Resolves once the replaced copy is gone (or put back, if the record was not written); never rejects. It waits
   * for the task's lock: await it only after the `mutateTask` that called {@link switchSecrets} has returned.
   */
  settled: Promise<void>;
}

/**
 * Keeps task `name`'s secret values (`secrets`, with the `ref` its new record will name) so that the switch from the
 * record on disk to the new one is atomic (see the top of this file). Call under the task's lock, before the record
 * is written; its `settled` resolves once the old copy is gone. Without values, the old copies are removed now. Throws `SecretsFileError`, `NoSpaceError` or
 * `ReadOnlyError` naming the file; the folder is then untouched.
 * @example `await switchSecrets(rt, 'api', { env: { API_KEY: 'abc' }, steps: {}, ref })`
 */
export async function switchSecrets(rt: SwitchRuntime, name: string, secrets: TaskSecrets): Promise<SecretsSwitched> {
  const before = refOfRecord(await recordNow(rt, name));
  const root = secrets.ref?.root ?? resolve(secretsRoot());
  const dir = folderStoreDir(root, rt.folder, rt.id);
  const foreign = before?.root != null && before.root !== root ? [before.root] : [];
  if (Object.keys(secrets.env).length === 0 && Object.keys(secrets.steps).length === 0) {
    await dropCopies(rt, name, dir, foreign);
    return { settled: Promise.resolve() };
  }
  const want = wantIn(root, before);
  await reconcileDir(dir, name, want);
  const current = currentFileIn(dir, name);
  if (want !== null && genOf(current) === want) await setAside(current, previousFileIn(dir, name, want));
  // Without a `ref` (a record that will not name one), the copy has no generation, as before generations.
  await writeSecrets(current, secrets, { folder: rt.folder, task: name, ...(secrets.ref ? { gen: secrets.ref.gen } : {}) });
  return { settled: before === null ? Promise.resolve() : settleLater(rt, name, [root, ...foreign]) };
}

// A task kept without secret values: its copies go before its record is written (a crash in between leaves a record
// whose start fails with ERR_ENV_FILE naming them, never one that runs with `***`). Only an own copy that cannot be
// removed is an error; a task without secrets never fails on a store it cannot see.
async function dropCopies(rt: SwitchRuntime, name: string, dir: string, foreign: readonly string[]): Promise<void> {
  const current = currentFileIn(dir, name);
  if (existsSync(current)) await removeSecrets(current);
  await clearPrevious(dir, name);
  for (const root of foreign) await reconcileDir(folderStoreDir(root, rt.folder, rt.id), name, null);
}
