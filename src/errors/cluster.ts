// Errors of cluster mode (the task table in PostgreSQL): the database, its schema, and other hosts.
import { ExecutorError, formatValue } from '../errors.js';

/**
 * The cluster's database could not be reached or answered with an error (the URL is named without its password).
 * @example `catch (e) { if (e instanceof ClusterError) retryLater(e.url); }`
 */
export class ClusterError extends ExecutorError {
  /** The cluster URL, its password replaced by `***`. */
  readonly url: string;
  constructor(url: string, problem: string, cause?: unknown) {
    super('ERR_CLUSTER', `Expected the cluster database ${formatValue(url)} to answer, got ${problem}.`, { cause });
    this.url = url;
  }
}

/**
 * The cluster's schema was made by a newer executor-sdk than this one: nothing is read or written.
 * @example `catch (e) { if (e instanceof SchemaVersionError) upgradeTo(e.found); }`
 */
export class SchemaVersionError extends ExecutorError {
  /** The schema's version in the database. */
  readonly found: number;
  /** The newest version this executor-sdk knows. */
  readonly known: number;
  constructor(schema: string, found: number, known: number) {
    super('ERR_SCHEMA_VERSION', `Expected the cluster schema ${formatValue(schema)} to be at version ${known} or older, got version ${found}: it was made by a newer executor-sdk; upgrade this one.`);
    this.found = found;
    this.known = known;
  }
}

/**
 * Another host had to answer (a run's output lives on the host that ran it) and did not, within the timeout.
 * @example `catch (e) { if (e instanceof HostUnreachableError) shown = `${e.host} is down`; }`
 */
export class HostUnreachableError extends ExecutorError {
  /** The host that did not answer. */
  readonly host: string;
  constructor(host: string, problem: string) {
    super('ERR_HOST_UNREACHABLE', `Expected host ${formatValue(host)} to answer, got ${problem}.`);
    this.host = host;
  }
}
