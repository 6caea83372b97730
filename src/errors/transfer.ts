// Errors of moving tasks between a folder and a cluster (`executor cluster import` / `export`).
import { ExecutorError, formatValue } from '../errors.js';

/** Code of {@link TaskExistsError}. */
export const ERR_TASK_EXISTS = 'ERR_TASK_EXISTS';

/**
 * Tasks to copy already exist in the target (the cluster on import, the folder on export), and neither
 * `existing: 'replace'` nor `existing: 'skip'` was asked (the CLI's `--replace` / `--skip-existing`). Nothing was
 * written.
 * @example `catch (e) { if (e instanceof TaskExistsError) await importFolder(dir, { cluster, existing: 'skip' }); }`
 */
export class TaskExistsError extends ExecutorError {
  /** The tasks already there, sorted. */
  readonly names: readonly string[];
  /** The target: a folder path, or a cluster URL without its password. */
  readonly target: string;
  constructor(names: readonly string[], target: string) {
    const shown = names.map((n) => formatValue(n)).join(', ');
    super(ERR_TASK_EXISTS, `Expected no task of the same name in ${target}, got ${shown} already there: nothing was written; `
      + 'replace them (--replace, { existing: \'replace\' }) or keep them (--skip-existing, { existing: \'skip\' }).');
    this.names = names;
    this.target = target;
  }
}
