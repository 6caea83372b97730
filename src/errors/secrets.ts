// Errors of secret env values kept in a cluster's database (encrypted under EXECUTOR_SECRETS_KEY).
import { formatValue } from '../errors.js';
import { SecretsFileError } from './task.js';

/**
 * The cluster's secret values were encrypted under another key than this process's `EXECUTOR_SECRETS_KEY` (or a
 * stored value does not decrypt under it). Code `ERR_ENV_FILE`, as every secret value that cannot be had: `addTask`
 * wrote nothing, a start spawned nothing. `.file` names the table row; no value is ever in the message.
 * @example `catch (e) { if (e instanceof SecretsKeyError) shown = `${e.task}: ${e.message}`; }`
 */
export class SecretsKeyError extends SecretsFileError {
  /** The task whose values could not be had. */
  readonly task: string;
  /** Key id of this process's key (first hex digits of a hash of it; never the key), or null without one. */
  readonly keyId: string | null;
  /** Key id the cluster's values were encrypted under, when known. */
  readonly keptKeyId: string | null;
  constructor(where: string, task: string, problem: string, ids: { keyId: string | null; keptKeyId: string | null }, cause?: unknown) {
    super(where, problem, cause);
    this.task = task;
    this.keyId = ids.keyId;
    this.keptKeyId = ids.keptKeyId;
    this.message = `Expected EXECUTOR_SECRETS_KEY to be the cluster's secrets key (the same on every host and client), got ${problem} (task ${formatValue(task)}, ${where}).`;
  }
}
