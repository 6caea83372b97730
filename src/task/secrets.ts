// Secret env values: kept out of the folder (the task record holds `***`), put back at each start. The values live in
// the secrets store (task/secrets-store.ts), outside the folder; docs/security.md says where and why.
import type { Runtime } from '../runtime.js';
import type { TaskSpec } from '../store/records.js';
import { existsSync } from 'node:fs';
import { removeQuietly } from '../store/temp-file.js';
import { isSecretEnv, maskEnv, SECRET_MASK } from './options-env.js';

export { maskEnv };
import { readSecrets, removeSecrets, runSecretsFileOf, secretsFileOf, SecretsFileError, writeSecrets, type TaskSecrets } from './secrets-store.js';
import { dirname } from 'node:path';

export { SecretsFileError, runSecretsFileOf, secretsFileOf, secretsRoot, SECRETS_DIR_ENV, type TaskSecrets } from './secrets-store.js';


// Splits `env` into its shown form (secret values masked) and its secret values.
function split(env: Readonly<Record<string, string>>, secretEnv: readonly string[]): [Record<string, string>, Record<string, string>] {
  const secrets: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (isSecretEnv(key, secretEnv)) secrets[key] = value;
  return [maskEnv(env, secretEnv), secrets];
}

/**
 * Splits a task's definition into what may be written in the folder (secret env values of the task and of its
 * program steps masked as `***`) and the secret values, to keep with {@link keepSecrets}.
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
  return { spec: { ...spec, env, steps: specSteps }, secrets: { env: own, steps } };
}

const hasAny = (secrets: TaskSecrets): boolean => Object.keys(secrets.env).length > 0 || Object.keys(secrets.steps).length > 0;

/**
 * Keeps a task's secret env values where its runs can read them and the folder never holds them (the secrets store,
 * see `secretsFileOf`); a task without secrets has its old file removed. Call under the task's lock, before the
 * record is written: on failure (`SecretsFileError`, `NoSpaceError`, `ReadOnlyError`, naming the file) nothing is.
 * @example `await keepSecrets(rt, 'api', { env: { API_KEY: 'abc' }, steps: {} })`
 */
export async function keepSecrets(rt: Pick<Runtime, 'folder' | 'id'>, name: string, secrets: TaskSecrets): Promise<void> {
  const file = secretsFileOf(rt.folder, rt.id, name);
  if (hasAny(secrets)) return writeSecrets(file, secrets, { folder: rt.folder, task: name });
  // No file to remove (or no store it can see at all): a task without secrets never fails on the store.
  if (existsSync(file)) await removeSecrets(file);
}

/**
 * Removes a removed task's secrets file (and those of its queued runs). Never throws: a file that cannot be removed is a `warning` naming it.
 * @example `await forgetSecrets(rt, 'api') // in removeTask, once the record is deleted`
 */
export async function forgetSecrets(rt: Pick<Runtime, 'folder' | 'id' | 'warn'>, name: string): Promise<void> {
  const queued = dirname(runSecretsFileOf(rt.folder, rt.id, name, 'x'));
  await Promise.all([keepSecrets(rt, name, { env: {}, steps: {} }), existsSync(queued) ? removeSecrets(queued, true) : undefined]).catch((error: unknown) => {
    rt.warn(`Could not remove the secrets of ${name}: ${(error as Error).message}`, name, (error as { code?: string }).code);
  });
}

/**
 * `env` (a task's or a step's, as recorded) with its masked secret values put back from the secrets store. `kept`
 * reads the store (once, lazily). Throws `SecretsFileError` when a masked value is not in the store (it was lost):
 * the run is not started rather than started with `***`.
 */
export function unmaskEnv(env: Readonly<Record<string, string>>, secretEnv: readonly string[], kept: () => Record<string, string> | null, file: () => string): Record<string, string> {
  const out: Record<string, string> = { ...env };
  for (const [key, value] of Object.entries(env)) {
    if (value !== SECRET_MASK || !isSecretEnv(key, secretEnv)) continue;
    const real = kept()?.[key];
    if (real === undefined) throw new SecretsFileError(file(), `no value for ${key} (kept there by addTask; add the task again with { replace: true } to keep it again)`);
    out[key] = real;
  }
  return out;
}

/**
 * The secret values of a task, read from the store at a start (`null`: no file). Throws `SecretsFileError`.
 * @example `readTaskSecrets(rt, 'api')?.env.API_KEY`
 */
export function readTaskSecrets(rt: Pick<Runtime, 'folder' | 'id'>, name: string): { file: string; secrets: TaskSecrets | null } {
  const file = secretsFileOf(rt.folder, rt.id, name);
  return { file, secrets: readSecrets(file) };
}

/**
 * A queued run's own env (`runTask({ env })` queued for a slot) as it may be written in the task record: secret values
 * masked, and kept in the store (`runSecretsFileOf`) until the run is spawned. `null` stays `null`. Call under the
 * task's lock, before the record is written; throws as {@link keepSecrets}.
 * @example `item.env = await keepQueuedEnv(rt, record.task, item.runId, item.env)`
 */
export async function keepQueuedEnv(rt: Pick<Runtime, 'folder' | 'id'>, task: Pick<TaskSpec, 'name' | 'secretEnv'>, runId: string, env: Record<string, string> | null): Promise<Record<string, string> | null> {
  if (env === null) return null;
  const [shown, secrets] = split(env, task.secretEnv ?? []);
  if (Object.keys(secrets).length === 0) return env;
  await writeSecrets(runSecretsFileOf(rt.folder, rt.id, task.name, runId), { env: secrets, steps: {} }, { folder: rt.folder, task: task.name });
  return shown;
}

/**
 * A dequeued run's secret env values (`null`: none kept), read just before its spawn. Throws `SecretsFileError`.
 * @example `readQueuedSecrets(rt, 'api', runId)?.API_KEY`
 */
export function readQueuedSecrets(rt: Pick<Runtime, 'folder' | 'id'>, name: string, runId: string): { file: string; env: Record<string, string> | null } {
  const file = runSecretsFileOf(rt.folder, rt.id, name, runId);
  return { file, env: readSecrets(file)?.env ?? null };
}

/**
 * Forgets a queued run's kept env once it is spawned (quietly: a file left over is removed with the task).
 * @example `dropQueuedSecrets(rt, 'api', runId)`
 */
export function dropQueuedSecrets(rt: Pick<Runtime, 'folder' | 'id'>, name: string, runId: string): void {
  removeQuietly(runSecretsFileOf(rt.folder, rt.id, name, runId));
}
