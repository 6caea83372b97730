// Where a task's secret env values are kept: one private file per task, OUTSIDE the executor folder, so the folder (task
// records, logs, runs, outputs) never holds them in clear. Every Executor of the same folder and the same user finds
// the same file: the place is derived from the folder's id and real path, not from the process.
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { SecretsFileError } from '../errors/task.js';

export { SecretsFileError };
import { errnoOf, writeError } from '../fs-errors.js';
import { removeQuietly, tempPathFor } from '../store/temp-file.js';

/** Env variable that puts the secrets store somewhere else (e.g. shared by a service and its admin, or a test's). */
export const SECRETS_DIR_ENV = 'EXECUTOR_SECRETS_DIR';
/** Mode of the store's directories: the owner only. */
export const SECRETS_DIR_MODE = 0o700;
/** Mode of a secrets file: the owner only. */
export const SECRETS_FILE_MODE = 0o600;
/** Format version of a secrets file. */
const SECRETS_FORMAT_VERSION = 1;
/** Hex digits of the folder path's hash in the store's directory name. */
const FOLDER_HASH_DIGITS = 12;

/** The secret values of one task: its own env's, and each program step's env's by step name. */
export interface TaskSecrets {
  env: Record<string, string>;
  steps: Record<string, Record<string, string>>;
}


/**
 * The root of the secrets store: `$EXECUTOR_SECRETS_DIR`, else `$XDG_STATE_HOME/executor-sdk/secrets`, else
 * `~/.local/state/executor-sdk/secrets`. Read at each call.
 * @example `secretsRoot() // '/home/ann/.local/state/executor-sdk/secrets'`
 */
export function secretsRoot(env: NodeJS.ProcessEnv = process.env): string {
  const own = env[SECRETS_DIR_ENV];
  if (own !== undefined && own !== '') return own;
  const state = env.XDG_STATE_HOME;
  return join(state !== undefined && isAbsolute(state) ? state : join(homedir(), '.local', 'state'), 'executor-sdk', 'secrets');
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
 * The secrets file of task `name` of the executor folder `folder` with id `id`:
 * `<root>/<id>-<12 hex digits of the folder's real path>/<name>.json` (two folders with the same id never share it).
 * @example `secretsFileOf('/srv/exec', 'a1b2c3d4', 'api')`
 */
export function secretsFileOf(folder: string, id: string, name: string): string {
  const hash = createHash('sha256').update(realFolder(folder)).digest('hex').slice(0, FOLDER_HASH_DIGITS);
  return join(secretsRoot(), `${id}-${hash}`, `${name}.json`);
}

/**
 * The secrets file of one queued run's own env (`runTask({ env })` queued for a slot): `runs/<task>/<runId>.json`
 * beside the task files. Removed once the run is spawned.
 * @example `runSecretsFileOf('/srv/exec', 'a1b2c3d4', 'api', runId)`
 */
export function runSecretsFileOf(folder: string, id: string, name: string, runId: string): string {
  return join(dirname(secretsFileOf(folder, id, name)), 'runs', name, `${runId}.json`);
}

// Words for a failed read or write, for SecretsFileError's "got …".
function problemOf(error: unknown): string {
  const code = errnoOf(error);
  return code === null ? `an error (${(error as Error).message})` : `an error (${code})`;
}

// ENOSPC / EROFS as NoSpaceError / ReadOnlyError, anything else as SecretsFileError: always typed, naming the file.
function storeError(error: unknown, file: string): Error {
  const typed = writeError(error, file);
  return typed !== error ? typed as Error : new SecretsFileError(file, problemOf(error), error);
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try { await handle.sync(); } finally { await handle.close(); }
}

/**
 * Writes a task's secrets file atomically (temp file 0600, fsync, rename, fsync of the directory), its directories
 * made 0700. Throws `SecretsFileError`, `NoSpaceError` or `ReadOnlyError` naming the file.
 * @example `await writeSecrets(file, { env: { API_KEY: 'abc' }, steps: {} })`
 */
export async function writeSecrets(file: string, secrets: TaskSecrets, about: { folder: string; task: string }): Promise<void> {
  const data = `${JSON.stringify({ formatVersion: SECRETS_FORMAT_VERSION, ...about, ...secrets }, null, 2)}\n`;
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
 * Removes a task's secrets file (absent: nothing to do); `recursive` for a directory of them. Throws `SecretsFileError` naming it when it cannot be removed.
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

/**
 * Reads a task's secrets file (synchronously: it is read under the task's lock just before a spawn); an absent file
 * gives `null`. Throws `SecretsFileError` naming the file when it cannot be read or is not a secrets file.
 * @example `readSecrets(file)?.env.API_KEY`
 */
export function readSecrets(file: string): TaskSecrets | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return null;
    throw new SecretsFileError(file, problemOf(error), error);
  }
  let parsed: { env?: unknown; steps?: unknown };
  try {
    parsed = JSON.parse(text) as { env?: unknown; steps?: unknown };
  } catch {
    throw new SecretsFileError(file, 'unparseable JSON');
  }
  const steps = parsed.steps ?? {};
  if (!isStringMap(parsed.env) || typeof steps !== 'object' || steps === null || !Object.values(steps).every(isStringMap)) {
    throw new SecretsFileError(file, 'a file that is not a secrets file (no `env` map of strings)');
  }
  return { env: parsed.env, steps: steps as Record<string, Record<string, string>> };
}
