// The environment a run (or a program step) is spawned with, below its EXECUTOR_* variables. Built at each start:
// env files are read again (an edit applies at the next start) and secret values are put back from the store.
import type { Runtime } from '../runtime.js';
import type { StepSpec, TaskSpec } from '../store/records.js';
import { readEnvFiles } from './env-file.js';
import { readQueuedSecrets, readTaskSecrets, unmaskEnv, type TaskSecrets } from './secrets.js';

/** What a run adds over its task's env: a program step's own env, or a manual run's (`runTask({ env })`). */
export interface RunEnvOver {
  step?: StepSpec | null;
  env?: Record<string, string> | null;
  /** The run id of a run that was queued: its `env`'s masked secret values are in the store (`keepQueuedEnv`). */
  queuedRunId?: string | null;
}

/**
 * The env of a run of `task`, lowest first: the Executor's process env < the task's env files (in order) < the task's
 * `env` < a step's env / a manual run's env. The caller adds the EXECUTOR_* variables over it. Throws `EnvFileError`
 * (a missing or unreadable env file) or `SecretsFileError` (a secret value lost) before anything is spawned.
 * @example `const env = { ...runEnv(rt, task, { env: req.env }), EXECUTOR_TASK: task.name }`
 */
export function runEnv(rt: Pick<Runtime, 'folder' | 'id'>, task: TaskSpec, over: RunEnvOver = {}): Record<string, string> {
  const files = readEnvFiles(task.wd, task.envFiles);
  let kept: { file: string; secrets: TaskSecrets | null } | null = null;
  const store = (): { file: string; secrets: TaskSecrets | null } => (kept ??= readTaskSecrets(rt, task));
  const names = task.secretEnv ?? [];
  const file = (): string => store().file;
  const own = unmaskEnv(task.env, names, () => store().secrets?.env ?? null, file);
  const step = over.step ? unmaskEnv(over.step.env, names, () => store().secrets?.steps[over.step!.name] ?? null, file) : {};
  const run = over.env && over.queuedRunId ? queuedEnv(rt, task, over.env, over.queuedRunId) : over.env;
  return { ...(process.env as Record<string, string>), ...files, ...own, ...step, ...(run ?? {}) };
}

// A dequeued run's env with its masked secret values put back from the store.
function queuedEnv(rt: Pick<Runtime, 'folder' | 'id'>, task: TaskSpec, env: Record<string, string>, runId: string): Record<string, string> {
  let kept: { file: string; env: Record<string, string> | null } | null = null;
  const store = (): { file: string; env: Record<string, string> | null } => (kept ??= readQueuedSecrets(rt, task.name, runId));
  return unmaskEnv(env, task.secretEnv ?? [], () => store().env, () => store().file);
}
