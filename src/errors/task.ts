// Errors of task relations and of the process a run becomes: dependency cycles, dependents, env files, permissions.
import { ExecutorError, formatValue, WaitTimeoutError } from '../errors.js';

/**
 * `dependsOn` would make a cycle (a task waiting, through others or at once, for itself). Nothing was written.
 * @example `catch (e) { if (e instanceof DependencyCycleError) shown = e.cycle.join(' → '); }`
 */
export class DependencyCycleError extends ExecutorError {
  /** The cycle, first name repeated last: `['api', 'db', 'api']`. */
  readonly cycle: readonly string[];
  constructor(cycle: readonly string[]) {
    super('ERR_DEPENDENCY_CYCLE', `Expected \`dependsOn\` to make no cycle, got ${cycle.map((n) => JSON.stringify(n)).join(' → ')}.`);
    this.cycle = cycle;
  }
}

/**
 * `removeTask` of a task that others depend on (`dependsOn`) or chain after (`after`), without `{ force: true }`.
 * @example `await ex.removeTask('db', { force: true }) // after ERR_HAS_DEPENDENTS`
 */
export class DependentsError extends ExecutorError {
  /** The tasks that name it. */
  readonly dependents: readonly string[];
  constructor(task: string, dependents: readonly string[]) {
    super('ERR_HAS_DEPENDENTS', `Expected ${formatValue(task)} to be a task no other task depends on, got ${dependents.map((n) => JSON.stringify(n)).join(', ')} depending on it: remove them first, or pass { force: true }.`);
    this.dependents = dependents;
  }
}

/**
 * A task's `envFile` is missing (and not `optional`) or cannot be read, at start. The run was not spawned.
 * @example `await ex.addTask('api', 'api.js', { envFile: { path: '.env.local', optional: true } })`
 */
export class EnvFileError extends ExecutorError {
  /** Absolute path of the env file. */
  readonly file: string;
  constructor(file: string, problem: string, cause?: unknown) {
    super('ERR_ENV_FILE', `Expected ${formatValue(file)} to be a readable env file, got ${problem}.`, { cause });
    this.file = file;
  }
}

/**
 * The Executor's process may not do what the task asks: run as another `user` or `group` without being root.
 * @example `await ex.addTask('svc', 'svc.sh', { user: 'nobody' }) // as root only`
 */
export class PermissionError extends ExecutorError {
  /** What was asked, e.g. `user "svc"`. */
  readonly what: string;
  constructor(what: string, problem: string) {
    super('ERR_PERMISSION', `Expected to be allowed to run as ${what}, got ${problem}.`);
    this.what = what;
  }
}

/**
 * The secrets file of a task cannot be written, read or understood. Code `ERR_ENV_FILE` (it holds env values), `.file`
 * names it. Raised by `addTask` (nothing was written to the folder) or at a start (nothing was spawned).
 * @example `catch (e) { if (e instanceof SecretsFileError) bad = e.file; }`
 */
export class SecretsFileError extends EnvFileError {
  constructor(file: string, problem: string, cause?: unknown) {
    super(file, problem, cause);
    this.message = `Expected ${formatValue(file)} to be a usable secrets file (kept outside the executor folder; EXECUTOR_SECRETS_DIR moves it), got ${problem}.`;
  }
}

/**
 * A dependency was not ready within its `readyTimeout` (code `ERR_WAIT_TIMEOUT`, as every wait that runs out). The
 * dependent was not started.
 * @example `catch (e) { if (e instanceof ReadyTimeoutError) waitedFor = [e.dependency, e.reason]; }`
 */
export class ReadyTimeoutError extends WaitTimeoutError {
  /** The task whose start waited. */
  readonly task: string;
  /** The dependency that was not ready. */
  readonly dependency: string;
  /** Why it was not ready when the time ran out, e.g. `db not ready (no TCP connection on port 5432 yet)`. */
  readonly reason: string;
  constructor(task: string, dependency: string, timeoutMs: number, reason: string) {
    super(`dependency ${formatValue(dependency)} of ${formatValue(task)} to be ready`, timeoutMs, reason);
    this.task = task;
    this.dependency = dependency;
    this.reason = reason;
  }
}
