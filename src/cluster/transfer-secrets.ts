// Secret env values of tasks moved between a folder and a cluster (cluster/transfer.ts). A record holds `***` and
// names its kept copy (`secretsRef`: a generation and a store root); the copy lives outside the folder, in a directory
// named after the executor's id and the real path of the folder it was added on (task/secrets-store.ts). Moving a
// record therefore means finding its copy on the source side and keeping it again where the target's runs look.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SecretsFileError } from '../errors/task.js';
import type { TaskSpec } from '../store/records.js';
import { isSecretEnv, SECRET_MASK } from '../task/options-env.js';
import { findTaskSecrets, lookupRoots } from '../task/secrets-lookup.js';
import { currentFileIn, folderStoreDir, previousFileIn, readKept, type TaskSecrets } from '../task/secrets-store.js';
import type { TaskStore } from '../store/store.js';
import { clusterOf } from './pg-store.js';
import { secretsKey } from './secrets-key.js';
import { clusterSecretsNow, NO_KEY_WORDS } from './secrets.js';

/** What a task's secret values are on the source side. */
export type SourceSecrets =
  | { state: 'none' }
  | { state: 'found'; file: string; secrets: TaskSecrets }
  | { state: 'missing'; names: string[]; problem: string };

const maskedIn = (env: Readonly<Record<string, string>>, secretEnv: readonly string[]): string[] =>
  Object.keys(env).filter((key) => env[key] === SECRET_MASK && isSecretEnv(key, secretEnv));

/**
 * The env names whose values a record holds masked (`***`): the task's, then each program step's as `step/NAME`.
 * @example `maskedNames(record.task) // ['API_KEY', 'load/DB_PASSWORD']`
 */
export function maskedNames(spec: Pick<TaskSpec, 'env' | 'steps' | 'secretEnv'>): string[] {
  const names = spec.secretEnv ?? [];
  const own = maskedIn(spec.env, names);
  const steps = (spec.steps ?? []).flatMap((step) => maskedIn(step.env, names).map((key) => `${step.name}/${key}`));
  return [...own, ...steps];
}

const STORE_DIR = /^(.+)-[0-9a-f]{12}$/;

// The copy of generation `gen` of task `name` in any store directory of executor `id` (any folder it ran on) under
// `roots`: a generation is 16 random hex digits drawn at each addTask, so a match is that record's copy.
function scanByGeneration(roots: readonly string[], id: string, name: string, gen: string): { file: string; secrets: TaskSecrets } | null {
  for (const root of roots) {
    let dirs: string[];
    try { dirs = readdirSync(root); } catch { continue; }
    for (const dir of dirs.filter((d) => STORE_DIR.exec(d)?.[1] === id).sort()) {
      for (const file of [currentFileIn(join(root, dir), name), previousFileIn(join(root, dir), name, gen)]) {
        try {
          const kept = readKept(file);
          if (kept.state === 'found' && kept.gen === gen) return { file, secrets: kept.secrets };
        } catch {
          // not a secrets file: not the copy
        }
      }
    }
  }
  return null;
}

// A cluster source's row of the record's generation, opened with this process's key (EXECUTOR_SECRETS_KEY): found,
// missing for want of a key, or null (no row: look in the secrets stores). A wrong key throws SecretsKeyError.
function tableSecrets(store: TaskStore | undefined, spec: TaskSpec, names: string[]): SourceSecrets | null {
  const cluster = store === undefined ? null : clusterOf(store);
  const gen = spec.secretsRef?.gen;
  if (cluster === null || gen === undefined) return null;
  const kept = clusterSecretsNow(cluster.db, secretsKey(), spec.name, gen);
  if (kept.state === 'found') {
    const { env = {}, steps = {} } = kept.value as Partial<TaskSecrets>;
    return { state: 'found', file: kept.file, secrets: { env, steps } };
  }
  if (kept.state === 'no-key') return { state: 'missing', names, problem: `task ${JSON.stringify(spec.name)}'s values: ${NO_KEY_WORDS}` };
  return null;
}

/**
 * Finds the secret values that go with a record on the source side: a cluster source (`store`) first in its
 * `secrets` table (opened with EXECUTOR_SECRETS_KEY), then the store directory of `folder` (the folder the record
 * lives in, or the cluster host's folder), then any store directory of executor `id`, by the generation the record
 * names. A record with no masked value has none; values found nowhere are `missing`, with the names and why (never a
 * value). A key that is not the cluster's throws `SecretsKeyError`.
 * @example `const found = sourceSecrets({ folder, id, store }, record.task, targetFolder); if (found.state === 'found') found.secrets.env`
 */
export function sourceSecrets(source: { folder: string | null; id: string; store?: TaskStore }, spec: TaskSpec, hintFolder: string): SourceSecrets {
  const names = maskedNames(spec);
  if (names.length === 0) return { state: 'none' };
  const table = tableSecrets(source.store, spec, names);
  if (table !== null) return table;
  const ref = spec.secretsRef ?? null;
  let problem = ref === null
    ? 'its record names no kept copy (written before generations, on another folder)'
    : `no copy of generation ${ref.gen} in a secrets store of executor ${JSON.stringify(source.id)} readable here`;
  if (source.folder !== null) {
    try {
      return { state: 'found', ...findTaskSecrets({ folder: source.folder, id: source.id }, spec.name, ref) };
    } catch (error) {
      if (!(error instanceof SecretsFileError)) throw error;
      problem = error.message;
    }
  }
  const found = ref === null ? null : scanByGeneration(lookupRoots(source.folder ?? hintFolder, ref.root), source.id, spec.name, ref.gen);
  return found === null ? { state: 'missing', names, problem } : { state: 'found', ...found };
}

/**
 * True when `file` (a copy found by {@link sourceSecrets}) is already the current copy where the target looks: the
 * target has the same executor id and folder (a cluster that took the folder's id, imported from the folder this
 * host uses). The record then keeps its `secretsRef`, and both share that copy. Never with a secrets key
 * (EXECUTOR_SECRETS_KEY): an import then seals the values into the cluster's table, where every host finds them.
 * @example `if (sharedCopy(found.file, folder, clusterId, 'api')) keepRef = true;`
 */
export function sharedCopy(file: string, folder: string, id: string, name: string): boolean {
  if (secretsKey() !== null) return false;
  return file === currentFileIn(folderStoreDir(dirname(dirname(file)), folder, id), name);
}
