// Secret env values: kept out of the folder (the task record holds `***`), put back at each start. The values live in
// the secrets store (task/secrets-store.ts), outside the folder, switched with the record that names them
// (task/secrets-switch.ts) and found from any HOME (task/secrets-lookup.ts); docs/security.md says where and why.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Runtime } from '../runtime.js';
import type { TaskSpec } from '../store/records.js';
import { readTaskFileSync, taskFileOf } from '../store/task-files.js';
import { removeQuietly } from '../store/temp-file.js';
import { isSecretEnv, maskEnv, SECRET_MASK } from './options-env.js';
import { findQueuedSecrets, findTaskSecrets, lookupRoots, missingProblem } from './secrets-lookup.js';
import {
  folderStoreDir, newSecretsRef, queuedFileIn, removeSecrets, runSecretsFileOf, secretsRoot, SecretsFileError, writeSecrets,
  currentFileIn, type SecretsRef, type TaskSecrets,
} from './secrets-store.js';
import { reconcileDir, switchSecrets, type SecretsSwitched, type SwitchRuntime } from './secrets-switch.js';
import {
  clusterDbOf, keepInCluster, keepQueuedInCluster, prefetchInCluster, queuedSecretsInCluster, settleInCluster,
  taskSecretsInCluster, type MaybeCluster,
} from './secrets-cluster.js';
import { dropRunSecrets, dropClusterSecrets } from '../cluster/secrets.js';

export type { SecretsSwitched } from './secrets-switch.js';

export { maskEnv };
export { SecretsFileError, runSecretsFileOf, secretsFileOf, secretsRoot, SECRETS_DIR_ENV, type SecretsRef, type TaskSecrets } from './secrets-store.js';
export { lookupRoots } from './secrets-lookup.js';

// Splits `env` into its shown form (secret values masked) and its secret values.
function split(env: Readonly<Record<string, string>>, secretEnv: readonly string[]): [Record<string, string>, Record<string, string>] {
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (isSecretEnv(key, secretEnv)) secrets[key] = value;
  return [maskEnv(env, secretEnv), secrets];
}

const hasAny = (secrets: TaskSecrets): boolean => Object.keys(secrets.env).length > 0 || Object.keys(secrets.steps).length > 0;

/**
 * Splits a task's definition into what may be written in the folder (secret env values of the task and of its
 * program steps masked as `***`, and `secretsRef` naming a new generation of kept values when there are any) and the
 * secret values, to keep with {@link keepSecrets}.
 * @example `const { spec: stored, secrets } = separateSecrets(spec);`
 */
export function separateSecrets(spec: TaskSpec): { spec: TaskSpec; secrets: TaskSecrets } {
  const names = spec.secretEnv ?? [];
  const [env, own] = split(spec.env, names);
  const steps: TaskSecrets['steps'] = {};
  const specSteps = spec.steps === null ? null : spec.steps.map((step) => {
    const [stepEnv, stepSecrets] = split(step.env, names);
    if (Object.keys(stepSecrets).length > 0) steps[step.name] = stepSecrets;
    return { ...step, env: stepEnv };
  });
  const { secretsRef: _given, ...rest } = spec;
  const secrets: TaskSecrets = { env: own, steps };
  if (!hasAny(secrets)) return { spec: { ...rest, env, steps: specSteps }, secrets };
  const ref = newSecretsRef();
  return { spec: { ...rest, env, steps: specSteps, secretsRef: ref }, secrets: { ...secrets, ref } };
}

/**
 * Keeps a task's secret values where its runs can read them and the folder never holds them (the secrets store), as
 * a new generation that the record about to be written names (`secrets.ref`, from {@link separateSecrets}); the old
 * generation stays findable until that record is written, then goes (task/secrets-switch.ts). A task without secrets
 * has its old copies removed. Call under the task's lock, before the record is written: on failure
 * (`SecretsFileError`, `NoSpaceError`, `ReadOnlyError`, naming the file) the folder is untouched. The result's
 * `settled` resolves once the old generation is gone; await it (if at all) only after the lock is let go.
 * @example `const kept = await keepSecrets(rt, 'api', secrets); // in mutateTask's callback; after it: await kept.settled`
 */
export async function keepSecrets(rt: SwitchRuntime, name: string, secrets: TaskSecrets): Promise<SecretsSwitched> {
  // A cluster with a key keeps them sealed in its table (task/secrets-cluster.ts); else this machine's store.
  const sealed = await keepInCluster(rt, name, secrets);
  if (sealed !== null) return sealed;
  const switched = await switchSecrets(rt, name, secrets);
  const db = clusterDbOf(rt);
  return db === null ? switched : { settled: switched.settled.then(() => settleInCluster(rt, db, name)) };
}

/**
 * Removes a removed task's kept values (and those of its queued runs) from every store it may be in (see
 * `lookupRoots`; `hint`: the store root the removed record named, `secretsRef.root`). Never throws: a copy in this
 * process's store that cannot be removed is a `warning` naming it; others are removed where this process may.
 * @example `await forgetSecrets(rt, 'api', removed.task.secretsRef?.root ?? null) // in removeTask, once the record is deleted`
 */
export async function forgetSecrets(rt: Pick<Runtime, 'folder' | 'id' | 'warn'> & MaybeCluster, name: string, hint: string | null = null): Promise<void> {
  const db = clusterDbOf(rt);
  if (db !== null) {
    // Its rows in the cluster's table, under its lock: a task added again meanwhile keeps the row its record names.
    await rt.store!.mutateTask(name, async (record) => {
      await dropClusterSecrets(db, name, record?.task.secretsRef?.gen ?? null, record === null);
      return { record: null, result: undefined };
    }, { corrupt: 'absent' }).catch((error: unknown) => rt.warn(`Could not remove the secrets of ${name} from the cluster: ${(error as Error).message}`, name, (error as { code?: string }).code));
  }
  const primary = resolve(secretsRoot());
  const dir = folderStoreDir(primary, rt.folder, rt.id);
  try {
    const current = currentFileIn(dir, name);
    if (existsSync(current)) await removeSecrets(current);
    const queued = join(dir, 'runs', name);
    if (existsSync(queued)) await removeSecrets(queued, true);
  } catch (error) {
    rt.warn(`Could not remove the secrets of ${name}: ${(error as Error).message}`, name, (error as { code?: string }).code);
  }
  for (const root of lookupRoots(rt.folder, hint)) {
    const other = folderStoreDir(root, rt.folder, rt.id);
    await reconcileDir(other, name, null);
    if (root !== primary) await removeSecrets(join(other, 'runs', name), true).catch(() => undefined);
  }
}

/**
 * `env` (a task's or a step's, as recorded) with its masked secret values put back from the secrets store. `kept`
 * reads the store (once, lazily, only when a masked value is there). Throws `SecretsFileError` (`ERR_ENV_FILE`) naming
 * the variables (never a value) when they are not in the store, with the task and every file looked in when its
 * values were found nowhere: the run is not started rather than started with `***`.
 */
export function unmaskEnv(env: Readonly<Record<string, string>>, secretEnv: readonly string[], kept: () => Record<string, string> | null, file: () => string): Record<string, string> {
  const masked = Object.keys(env).filter((key) => env[key] === SECRET_MASK && isSecretEnv(key, secretEnv));
  const out: Record<string, string> = { ...env };
  if (masked.length === 0) return out;
  let values: Record<string, string> | null;
  try {
    values = kept();
  } catch (error) {
    const problem = missingProblem(error);
    if (problem === null) throw error;
    throw new SecretsFileError((error as SecretsFileError).file, `no value for ${masked.join(', ')}: ${problem}`);
  }
  const lost = masked.filter((key) => values?.[key] === undefined);
  if (lost.length > 0) throw new SecretsFileError(file(), `no value for ${lost.join(', ')} (kept there by addTask; add the task again with { replace: true } to keep it again)`);
  for (const key of masked) out[key] = values![key]!;
  return out;
}

// The record's secretsRef as it is on disk (under the task's lock); none for a record that cannot be read.
function refOnDisk(rt: Pick<Runtime, 'folder'>, name: string): SecretsRef | null {
  try { return readTaskFileSync(taskFileOf(rt.folder, name), name)?.task.secretsRef ?? null; } catch { return null; }
}

/**
 * The secret values that go with a task's record, read from the store at a start (see `findTaskSecrets` for where it
 * looks). `task` is the task as recorded, or its name (its record is then read). Throws `SecretsFileError` naming the
 * task and the files looked in when they are found nowhere.
 * @example `readTaskSecrets(rt, record.task).secrets.env.API_KEY`
 */
export function readTaskSecrets(rt: Pick<Runtime, 'folder' | 'id'> & MaybeCluster, task: string | Pick<TaskSpec, 'name' | 'secretsRef'>): { file: string; secrets: TaskSecrets } {
  const name = typeof task === 'string' ? task : task.name;
  const db = clusterDbOf(rt);
  if (db !== null) {
    const ref = typeof task === 'string' ? null : task.secretsRef ?? null;
    return taskSecretsInCluster(db, name, ref, () => findTaskSecrets(rt, name, ref));
  }
  const ref = typeof task === 'string' ? refOnDisk(rt, name) : task.secretsRef ?? null;
  return findTaskSecrets(rt, name, ref);
}

/**
 * Cluster mode: reads the values a start of `task` will need (and, with `queuedRunId`, that queued run's own) into
 * this process's cache, so the start (synchronous) does not wait on the database. Nothing for a folder; quiet.
 * @example `await prefetchSecrets(rt, record.task) // just before runEnv(rt, record.task, …)`
 */
export async function prefetchSecrets(rt: MaybeCluster, task: Pick<TaskSpec, 'name' | 'secretsRef'>, queuedRunId: string | null = null): Promise<void> {
  await prefetchInCluster(rt, task.name, task.secretsRef ?? null, queuedRunId);
}

/**
 * A queued run's own env (`runTask({ env })` queued for a slot) as it may be written in the task record: secret values
 * masked, and kept in this process's store (`runSecretsFileOf`) until the run is spawned. `null` stays `null`. Call
 * under the task's lock, before the record is written; throws as {@link keepSecrets}.
 * @example `item.env = await keepQueuedEnv(rt, record.task, item.runId, item.env)`
 */
export async function keepQueuedEnv(rt: Pick<Runtime, 'folder' | 'id'> & MaybeCluster, task: Pick<TaskSpec, 'name' | 'secretEnv'>, runId: string, env: Record<string, string> | null): Promise<Record<string, string> | null> {
  if (env === null) return null;
  const [shown, secrets] = split(env, task.secretEnv ?? []);
  if (Object.keys(secrets).length === 0) return env;
  if (await keepQueuedInCluster(rt, task.name, runId, secrets)) return shown; // sealed in the cluster's table
  await writeSecrets(runSecretsFileOf(rt.folder, rt.id, task.name, runId), { env: secrets, steps: {} }, { folder: rt.folder, task: task.name });
  return shown;
}

// The file each queued run's env was last found in, so its spawn removes that one (wherever it was).
const queuedFound = new Map<string, string>();
const queuedKey = (rt: Pick<Runtime, 'folder'>, name: string, runId: string): string => `${rt.folder}\0${name}\0${runId}`;

/**
 * A dequeued run's secret env values, read just before its spawn, from whichever store holds them (the task record's,
 * this process's, the folder owner's). Throws `SecretsFileError` naming the task, the run and the files looked in.
 * @example `readQueuedSecrets(rt, 'api', runId).env.API_KEY`
 */
export function readQueuedSecrets(rt: Pick<Runtime, 'folder' | 'id'> & MaybeCluster, name: string, runId: string): { file: string; env: Record<string, string> } {
  const db = clusterDbOf(rt);
  if (db !== null) {
    const found = queuedSecretsInCluster(db, name, runId, () => findQueuedSecrets(rt, name, runId, null));
    if (!found.inTable) queuedFound.set(queuedKey(rt, name, runId), found.file);
    return { file: found.file, env: found.env };
  }
  const found = findQueuedSecrets(rt, name, runId, refOnDisk(rt, name)?.root ?? null);
  queuedFound.set(queuedKey(rt, name, runId), found.file);
  return found;
}

/**
 * Forgets a queued run's kept env once it is spawned or cancelled, in every store it may be in (quietly: a file left
 * over is removed with the task).
 * @example `dropQueuedSecrets(rt, 'api', runId)`
 */
export function dropQueuedSecrets(rt: Pick<Runtime, 'folder' | 'id'> & MaybeCluster, name: string, runId: string): void {
  const key = queuedKey(rt, name, runId);
  const found = queuedFound.get(key);
  queuedFound.delete(key);
  if (found !== undefined) removeQuietly(found);
  const db = clusterDbOf(rt);
  if (db !== null) {
    void dropRunSecrets(db, name, runId).catch(() => undefined); // a row left over goes with its task
  }
  for (const root of lookupRoots(rt.folder, refOnDisk(rt, name)?.root ?? null)) removeQuietly(queuedFileIn(folderStoreDir(root, rt.folder, rt.id), name, runId));
}
