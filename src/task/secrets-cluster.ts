// Cluster mode's side of a task's secret values (cluster/secrets.ts holds the table): with the cluster's key
// (EXECUTOR_SECRETS_KEY), values are sealed into the `secrets` table, so any host can start the task; without one,
// they stay in this machine's store as in a folder, and a host that cannot find them says that the cluster needs the
// key on every host. A folder never comes here (its runtime's store is not a cluster's).
import type { Runtime } from '../runtime.js';
import type { Db } from '../cluster/db.js';
import { clusterOf } from '../cluster/pg-store.js';
import { secretsKey } from '../cluster/secrets-key.js';
import {
  CLUSTER_HINT, clusterSecretsNow, dropClusterSecrets, NO_KEY_WORDS, prefetchClusterSecrets, putClusterSecrets, runGen,
} from '../cluster/secrets.js';
import type { TaskStore } from '../store/store.js';
import { missing, missingProblem, type FoundSecrets } from './secrets-lookup.js';
import { SecretsFileError, type SecretsRef, type TaskSecrets } from './secrets-store.js';

/** A runtime that may be a cluster's (its `store` is then a PgStore). */
export type MaybeCluster = { store?: TaskStore };

/**
 * The cluster database of `rt`, or null for a folder (or a caller that passed no store).
 * @example `const db = clusterDbOf(rt); if (db !== null) …`
 */
export function clusterDbOf(rt: MaybeCluster): Db | null {
  return rt.store === undefined ? null : clusterOf(rt.store)?.db ?? null;
}

const hasAny = (secrets: TaskSecrets): boolean => Object.keys(secrets.env).length > 0 || Object.keys(secrets.steps).length > 0;

/**
 * Cluster mode with a key: seals a task's values (the generation its new record names) into the table, under the
 * task's lock, before the record is written; the returned promise (the `settled` of keepSecrets) deletes the other
 * generations' rows once the lock is free and the record written. Null when this is not the cluster's job (a folder,
 * no key, or values without a generation): the folder's way applies.
 * @example `const kept = await keepInCluster(rt, 'api', secrets) ?? await switchSecrets(rt, 'api', secrets)`
 */
export async function keepInCluster(rt: Pick<Runtime, 'store'>, name: string, secrets: TaskSecrets): Promise<{ settled: Promise<void> } | null> {
  const db = clusterDbOf(rt);
  const key = secretsKey();
  if (db === null || key === null || (hasAny(secrets) && secrets.ref === undefined)) return null;
  if (hasAny(secrets)) await putClusterSecrets(db, key, name, secrets.ref!.gen, { env: secrets.env, steps: secrets.steps });
  return { settled: settleInCluster(rt, db, name) };
}

/**
 * Once the task's lock is free: its rows of generations its record does not name go (all of them, with its queued
 * runs', when `removed` and there is no record). Under the lock; quiet (the next write does it again).
 * @example `await settleInCluster(rt, db, 'api')`
 */
export function settleInCluster(rt: Pick<Runtime, 'store'>, db: Db, name: string, removed = false): Promise<void> {
  return rt.store.mutateTask(name, async (record) => {
    await dropClusterSecrets(db, name, record?.task.secretsRef?.gen ?? null, removed && record === null);
    return { record: null, result: undefined };
  }, { corrupt: 'absent' }).catch(() => undefined);
}

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

// A row's opened value as a task's values (a row that holds anything else is not usable).
function taskSecretsOf(file: string, value: unknown): TaskSecrets {
  const { env, steps = {} } = (value ?? {}) as { env?: unknown; steps?: unknown };
  if (!isStringMap(env) || typeof steps !== 'object' || steps === null || !Object.values(steps).every(isStringMap)) {
    throw new SecretsFileError(file, "a row that does not hold a task's values");
  }
  return { env, steps: steps as Record<string, Record<string, string>> };
}

/**
 * Values a start needs, in cluster mode: the table's row of `gen` (with a key), else `local()` (this machine's
 * stores); found nowhere, the ERR_ENV_FILE says why for a cluster (no key here while the row is there; or kept on
 * another machine: the cluster needs the key on every host), naming the task (unmaskEnv adds the variables).
 * @example `findInCluster(db, 'api', ref.gen, () => findTaskSecrets(rt, 'api', ref), (v) => v.env)`
 */
export function findInCluster<T>(db: Db, name: string, gen: string | null, local: () => T, valueOf: (file: string, value: unknown) => T): T {
  const key = secretsKey();
  let tableProblem: { file: string; problem: string } | null = null;
  if (gen !== null && key !== null) {
    const kept = clusterSecretsNow(db, key, name, gen); // a wrong key: SecretsKeyError
    if (kept.state === 'found') return valueOf(kept.file, kept.value);
    if (kept.state === 'error') tableProblem = { file: kept.file, problem: kept.problem };
  }
  try {
    return local();
  } catch (error) {
    const problem = missingProblem(error);
    if (problem === null) throw error;
    const what = `task ${JSON.stringify(name)}'s values`;
    if (tableProblem !== null) throw missing(tableProblem.file, `${what} could not be read from the cluster's secrets table (${tableProblem.problem}), nor found on this machine`);
    if (gen !== null && key === null && clusterSecretsNow(db, null, name, gen).state === 'no-key') {
      throw missing(`${db.config.display} ${db.config.schema}.secrets (${name}, ${gen})`, `${what} are not on this host: ${NO_KEY_WORDS}`);
    }
    throw missing((error as SecretsFileError).file, `${problem}; ${CLUSTER_HINT}`);
  }
}

/**
 * A task's values at a start in cluster mode (see {@link findInCluster}).
 * @example `taskSecretsInCluster(db, 'api', record.task.secretsRef ?? null, () => findTaskSecrets(rt, 'api', ref))`
 */
export function taskSecretsInCluster(db: Db, name: string, ref: SecretsRef | null, local: () => FoundSecrets): FoundSecrets {
  return findInCluster(db, name, ref?.gen ?? null, local, (file, value) => ({ file, secrets: taskSecretsOf(file, value) }));
}

/**
 * A queued run's own env at its spawn in cluster mode: its row (`run:<runId>`), else this machine's store.
 * @example `queuedSecretsInCluster(db, 'api', runId, () => findQueuedSecrets(rt, 'api', runId, null))`
 */
export function queuedSecretsInCluster(db: Db, name: string, runId: string, local: () => { file: string; env: Record<string, string> }): { file: string; env: Record<string, string>; inTable: boolean } {
  type Found = { file: string; env: Record<string, string>; inTable: boolean };
  return findInCluster<Found>(db, name, runGen(runId), () => ({ ...local(), inTable: false }), (file, value) => ({ file, env: taskSecretsOf(file, value).env, inTable: true }));
}

/**
 * Cluster mode with a key: keeps a queued run's own secret env in its row (`run:<runId>`), so the host that claims
 * the run reads it; false when this is not the cluster's job (the folder's way applies).
 * @example `if (!(await keepQueuedInCluster(rt, 'api', runId, secrets))) await writeSecrets(…)`
 */
export async function keepQueuedInCluster(rt: MaybeCluster, name: string, runId: string, env: Record<string, string>): Promise<boolean> {
  const db = clusterDbOf(rt);
  const key = secretsKey();
  if (db === null || key === null) return false;
  await putClusterSecrets(db, key, name, runGen(runId), { env, steps: {} });
  return true;
}

/**
 * Reads a task's row into this process's cache ahead of a start, so the start does not wait on the database (it
 * reads it then otherwise). Nothing for a folder, a process without a key, or a task without kept values.
 * @example `await prefetchInCluster(rt, 'api', record.task.secretsRef, runId)`
 */
export async function prefetchInCluster(rt: MaybeCluster, name: string, ref: SecretsRef | null, queuedRunId: string | null = null): Promise<void> {
  const db = clusterDbOf(rt);
  if (db === null || secretsKey() === null) return;
  if (ref !== null) await prefetchClusterSecrets(db, name, ref.gen);
  if (queuedRunId !== null) await prefetchClusterSecrets(db, name, runGen(queuedRunId)); // the queued run's own env's row
}
