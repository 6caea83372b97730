// Options of stopTask and removeTask that concern dependents.
import { InvalidOptionError } from '../errors.js';

/** Options of `removeTask`. */
export interface RemoveTaskOptions {
  /**
   * Remove it even though other tasks depend on it (`dependsOn`) or chain after it (`after`): they then ignore it.
   * @defaultValue false
   */
  force?: boolean;
}

/** Options of `stopTask`. */
export interface StopTaskOptions {
  /**
   * Stop the tasks that depend on it (`dependsOn`, directly or not) first, dependents first.
   * @defaultValue false (they keep running, and a `warning` names them)
   */
  cascade?: boolean;
}

/**
 * Checks an options object made of one optional boolean `key` (`cascade`, `force`); returns it (false when absent).
 * @example `checkFlagOptions({ cascade: true }, 'cascade') // { cascade: true }`
 */
export function checkFlagOptions<K extends string>(options: unknown, key: K): Record<K, boolean> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== key) throw new InvalidOptionError('options', `made of known options (${key})`, k);
  if (o[key] !== undefined && typeof o[key] !== 'boolean') throw new InvalidOptionError(key, 'a boolean', o[key]);
  return { [key]: o[key] === true } as Record<K, boolean>;
}
