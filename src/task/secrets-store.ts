// Where a task's secret env values are kept: private files OUTSIDE the executor folder, so the folder (task records,
// logs, runs, outputs) never holds them in clear. The place is derived from the folder's id and real path, not from the
// process; each copy carries a generation (`gen`) that the task record names (`TaskSpec.secretsRef`), so a record and
// the values it goes with are switched together (task/secrets-switch.ts) and found from any HOME (task/secrets-lookup.ts).
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { SecretsFileError } from '../errors/task.js';
import { errnoOf, writeError } from '../fs-errors.js';
import { removeQuietly, tempPathFor } from '../store/temp-file.js';

export { SecretsFileError };

/** Env variable that puts the secrets store somewhere else (e.g. shared by a service and its admin, or a test's). */
export const SECRETS_DIR_ENV = 'EXECUTOR_SECRETS_DIR';
/** Mode of the store's directories: the owner only. */
export const SECRETS_DIR_MODE = 0o700;
/** Mode of a secrets file: the owner only. */
export const SECRETS_FILE_MODE = 0o600;
/** Format version of a secrets file written now (1: written before generations, without `gen`). */
const SECRETS_FORMAT_VERSION = 2;
/** Hex digits of the folder path's hash in the store's directory name. */
const FOLDER_HASH_DIGITS = 12;
/** Random bytes of a generation (16 hex digits). */
const GEN_BYTES = 8;
/** A generation as records and file names hold it. */
export const GEN_PATTERN = /^[0-9a-f]{16}$/;
/** The generation of a file written before generations (no `gen` in it), and of a record without `secretsRef`. */
export const LEGACY_GEN = 'legacy';
/** Sub-directory of a folder's store directory holding the copies a replace set aside until its record is written. */
export const PREVIOUS_DIR = 'previous';
/** Where the store is below a home directory, when neither `EXECUTOR_SECRETS_DIR` nor `XDG_STATE_HOME` says. */
export const HOME_STORE = join('.local', 'state', 'executor-sdk', 'secrets');

/** Which kept copy a task record goes with: see `TaskSpec.secretsRef`. */
export interface SecretsRef {
  /** 16 hex digits, new at each `addTask`. */
  gen: string;
  /** The store root it was written in (absolute). */
  root: string;
}

/** The secret values of one task: its own env's, and each program step's env's by step name. */
export interface TaskSecrets {
  env: Record<string, string>;
  steps: Record<string, Record<string, string>>;
  /** Where `addTask` keeps them (set by `separateSecrets` when there are any). */
  ref?: SecretsRef;
}

/**
 * The root of the secrets store this process writes in: `$EXECUTOR_SECRETS_DIR`, else
 * `$XDG_STATE_HOME/executor-sdk/secrets`, else `~/.local/state/executor-sdk/secrets`. Read at each call.
 * @example `secretsRoot() // '/home/ann/.local/state/executor-sdk/secrets'`
 */
export function secretsRoot(env: NodeJS.ProcessEnv = process.env): string {
  const own = env[SECRETS_DIR_ENV];
  if (own !== undefined && own !== '') return own;
  const state = env.XDG_STATE_HOME;
  return state !== undefined && isAbsolute(state) ? join(state, 'executor-sdk', 'secrets') : join(homedir(), HOME_STORE);
}

/**
 * A new generation for a task's kept values: 16 random hex digits.
 * @example `newSecretsRef() // { gen: '3f9c0a1b2c3d4e5f', root: '/root/.local/state/executor-sdk/secrets' }`
 */
export function newSecretsRef(): SecretsRef {
  return { gen: randomBytes(GEN_BYTES).toString('hex'), root: resolve(secretsRoot()) };
}

const realFolders = new Map<string, string>();
// The folder's real path (symlinks resolved), so two processes opening it by different paths agree. Cached.
function realFolder(folder: string): string {
  let real = realFolders.get(folder);
  if (real === undefined) {
    try { real = realpathSync(folder); } catch { real = folder; }
    realFolders.set(folder, real);
  }
  return real;
}

/**
 * The directory of the executor folder `folder` (id `id`) in the store `root`:
 * `<root>/<id>-<12 hex digits of sha256 of the folder's real path>` (two folders with the same id never share it).
 * @example `folderStoreDir('/root/.local/state/executor-sdk/secrets', '/srv/exec', 'a1b2c3d4')`
 */
export function folderStoreDir(root: string, folder: string, id: string): string {
  const hash = createHash('sha256').update(realFolder(folder)).digest('hex').slice(0, FOLDER_HASH_DIGITS);
  return join(root, `${id}-${hash}`);
}

/**
 * The current secrets file of task `name` of the executor folder `folder` with id `id`, in this process's store:
 * `<root>/<id>-<hash>/<name>.json`.
 * @example `secretsFileOf('/srv/exec', 'a1b2c3d4', 'api')`
 */
export function secretsFileOf(folder: string, id: string, name: string): string {
  return currentFileIn(folderStoreDir(secretsRoot(), folder, id), name);
}

/** `<dir>/<name>.json`: the copy a task's newest `addTask` wrote in that store directory. */
export const currentFileIn = (dir: string, name: string): string => join(dir, `${name}.json`);
/** `<dir>/previous/<name>.<gen>.json`: an older copy, kept until no record names it. */
export const previousFileIn = (dir: string, name: string, gen: string): string => join(dir, PREVIOUS_DIR, `${name}.${gen}.json`);
/** `<dir>/runs/<name>/<runId>.json`: a queued manual run's own secret env. */
export const queuedFileIn = (dir: string, name: string, runId: string): string => join(dir, 'runs', name, `${runId}.json`);

/**
 * The secrets file of one queued run's own env (`runTask({ env })` queued for a slot) in this process's store:
 * `<root>/<id>-<hash>/runs/<task>/<runId>.json`. Removed once the run is spawned.
 * @example `runSecretsFileOf('/srv/exec', 'a1b2c3d4', 'api', runId)`
 */
export function runSecretsFileOf(folder: string, id: string, name: string, runId: string): string {
  return queuedFileIn(folderStoreDir(secretsRoot(), folder, id), name, runId);
}

/** Words for a failed read or write, for SecretsFileError's "got …". */
export function problemOf(error: unknown): string {
  const code = errnoOf(error);
  return code === null ? `an error (${(error as Error).message})` : `an error (${code})`;
}

/** ENOSPC / EROFS as NoSpaceError / ReadOnlyError, anything else as SecretsFileError: always typed, naming the file. */
export function storeError(error: unknown, file: string): Error {
  const typed = writeError(error, file);
  return typed !== error ? typed as Error : new SecretsFileError(file, problemOf(error), error);
}

/** fsync of a directory (a rename or an unlink in it made durable). */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try { await handle.sync(); } finally { await handle.close(); }
}

/**
 * Writes a secrets file atomically (temp file 0600, fsync, rename, fsync of the directory), its directories made 0700.
 * `about.gen` is the generation it holds. Throws `SecretsFileError`, `NoSpaceError` or `ReadOnlyError` naming the file.
 * @example `await writeSecrets(file, { env: { API_KEY: 'abc' }, steps: {} }, { folder, task: 'api', gen })`
 */
export async function writeSecrets(file: string, secrets: TaskSecrets, about: { folder: string; task: string; gen?: string }): Promise<void> {
  const { env, steps } = secrets;
  const data = `${JSON.stringify({ formatVersion: SECRETS_FORMAT_VERSION, ...about, env, steps }, null, 2)}\n`;
  const tmp = tempPathFor(file);
  let handle: FileHandle | null = null;
  try {
    await mkdir(dirname(file), { recursive: true, mode: SECRETS_DIR_MODE });
    handle = await open(tmp, 'wx', SECRETS_FILE_MODE);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    await rename(tmp, file);
    await syncDir(dirname(file));
  } catch (error) {
    await handle?.close().catch(() => undefined);
    removeQuietly(tmp);
    throw storeError(error, file);
  }
}

/**
 * Removes a secrets file (absent: nothing to do); `recursive` for a directory of them. Throws `SecretsFileError` naming it when it cannot be removed.
 * @example `await removeSecrets(file)`
 */
export async function removeSecrets(file: string, recursive = false): Promise<void> {
  try {
    await rm(file, { force: true, recursive });
  } catch (error) {
    throw storeError(error, file);
  }
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** What reading one candidate file gave: its values and generation, nothing there, or a file this process may not read. */
export type KeptRead =
  | { state: 'found'; gen: string; secrets: TaskSecrets }
  | { state: 'absent' }
  | { state: 'unreadable'; problem: string };

/**
 * Reads one secrets file (synchronously: it is read under the task's lock just before a spawn). Absent or not readable
 * by this process (another user's store) is said, not thrown. Throws `SecretsFileError` naming the file when it is
 * not a secrets file (bad JSON, no `env` map of strings).
 * @example `const kept = readKept(file); if (kept.state === 'found') kept.secrets.env.API_KEY;`
 */
export function readKept(file: string): KeptRead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = errnoOf(error);
    return code === 'ENOENT' || code === 'ENOTDIR' ? { state: 'absent' } : { state: 'unreadable', problem: code ?? (error as Error).message };
  }
  let parsed: { env?: unknown; steps?: unknown; gen?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new SecretsFileError(file, 'unparseable JSON');
  }
  const steps = parsed.steps ?? {};
  if (!isStringMap(parsed.env) || typeof steps !== 'object' || steps === null || !Object.values(steps).every(isStringMap)) {
    throw new SecretsFileError(file, 'a file that is not a secrets file (no `env` map of strings)');
  }
  const gen = typeof parsed.gen === 'string' ? parsed.gen : LEGACY_GEN;
  return { state: 'found', gen, secrets: { env: parsed.env, steps: steps as Record<string, Record<string, string>> } };
}

/**
 * Reads a secrets file; an absent file gives `null`. Throws `SecretsFileError` naming the file when it cannot be read
 * or is not a secrets file.
 * @example `readSecrets(file)?.env.API_KEY`
 */
export function readSecrets(file: string): TaskSecrets | null {
  const kept = readKept(file);
  if (kept.state === 'unreadable') throw new SecretsFileError(file, `an error (${kept.problem})`);
  return kept.state === 'found' ? kept.secrets : null;
}
