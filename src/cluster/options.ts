// Cluster mode's options: the PostgreSQL URL (with `?schema=`), this host's name and the lease time. Pure.
import { hostname } from 'node:os';
import { InvalidOptionError } from '../errors.js';
import { parseDuration } from '../schedule/duration.js';

/** Schema of the cluster's tables when the URL has no `?schema=`. */
export const DEFAULT_SCHEMA = 'executor';
/** Default `leaseTime`: a host is dead after this long without a heartbeat, ms. */
export const DEFAULT_LEASE_TIME_MS = 10_000;
/** Least `leaseTime`, ms (a heartbeat goes every second). */
export const MIN_LEASE_TIME_MS = 1000;
/** Longest host name. */
export const MAX_HOST_LENGTH = 255;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PROTOCOLS: readonly string[] = ['postgres:', 'postgresql:'];

/** What cluster mode needs, validated. */
export interface ClusterConfig {
  /** The connection string handed to `pg`, without `schema`. */
  connectionString: string;
  /** The URL for messages: its password replaced by `***`. */
  display: string;
  /** Schema of the tables. @defaultValue 'executor' */
  schema: string;
  /** This host's name. @defaultValue the machine's hostname */
  host: string;
  /** A host is dead after this long without a heartbeat, ms. @defaultValue 10000 */
  leaseTimeMs: number;
  /** Most runs this host's supervisor runs at once, or null for no limit. @defaultValue null */
  capacity: number | null;
  /** This host's labels, matched by tasks' `labels`. @defaultValue {} */
  labels: HostLabels;
}

/** A host's labels (and a task's wanted ones): names to strings, numbers or booleans. */
export type HostLabels = Record<string, string | number | boolean>;

/** The cluster options of `new Executor(folder, options)` (and the CLI's `--cluster`, `--host`, `--lease-time`). */
export interface ClusterOptions {
  /**
   * A PostgreSQL URL (`postgres://user:pass@host:5432/db`, optionally `?schema=name`): the task table, run ledger,
   * queued runs, events, leases, hosts and decisions live there, in schema `executor` unless `?schema=` says
   * otherwise; the folder keeps this host's output files, status files and checkpoints.
   * @defaultValue none (the task table lives in the folder)
   * @example `new Executor('exec', { cluster: 'postgres://executor@db:5432/jobs' })`
   */
  cluster?: string;
  /** This host's name in the cluster (letters, digits, `.`, `_`, `-`). @defaultValue the machine's hostname */
  host?: string;
  /**
   * A host is dead after this long without a heartbeat (ms, or a period string like `'10 sec'`; at least 1 s).
   * @defaultValue '10 sec'
   */
  leaseTime?: number | string;
  /**
   * Most runs this host's supervisor runs at once (cluster mode): scheduled slots and queued runs go to hosts with free
   * capacity. An integer >= 1.
   * @defaultValue no limit
   */
  capacity?: number;
  /**
   * This host's labels (cluster mode): a task with `labels: { gpu: true }` runs only on hosts whose labels match.
   * @defaultValue {}
   * @example `new Executor('exec', { cluster: url, labels: { gpu: true, zone: 'eu' } })`
   */
  labels?: HostLabels;
}

/**
 * Checks a labels map (a host's or a task's): names of letters, digits, `.`, `_`, `-`; values strings, numbers or
 * booleans.
 * @throws InvalidOptionError naming `option`.
 */
export function checkLabels(value: unknown, option: string): HostLabels {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError(option, 'an object of labels like { gpu: true, zone: "eu" }', value);
  for (const [key, v] of Object.entries(value)) {
    if (!HOST_NAME.test(key)) throw new InvalidOptionError(`${option}.${key}`, 'a label name of letters, digits, ".", "_" and "-"', key);
    if (!['string', 'number', 'boolean'].includes(typeof v) || (typeof v === 'number' && !Number.isFinite(v))) {
      throw new InvalidOptionError(`${option}.${key}`, 'a string, a finite number or a boolean', v);
    }
  }
  return { ...(value as HostLabels) };
}

/** `url` (a valid URL) with its password replaced by `***` (for messages and rows). */
export function displayUrl(url: string): string {
  const shown = new URL(url);
  if (shown.password !== '') shown.password = '***';
  return shown.href;
}

/**
 * Validates the cluster options; null when `cluster` is not given (then `host` and `leaseTime` are refused).
 * @throws InvalidOptionError naming the option, what was expected and what was got.
 * @example `checkClusterOptions({ cluster: 'postgres://localhost/jobs?schema=etl' })?.schema // 'etl'`
 */
export function checkClusterOptions(o: ClusterOptions): ClusterConfig | null {
  if (o.cluster === undefined) {
    if (o.host !== undefined) throw new InvalidOptionError('host', 'given only with `cluster`', o.host);
    if (o.leaseTime !== undefined) throw new InvalidOptionError('leaseTime', 'given only with `cluster`', o.leaseTime);
    if (o.capacity !== undefined) throw new InvalidOptionError('capacity', 'given only with `cluster`', o.capacity);
    if (o.labels !== undefined) throw new InvalidOptionError('labels', 'given only with `cluster`', o.labels);
    return null;
  }
  const expected = 'a PostgreSQL URL like postgres://user@host:5432/db (optionally ?schema=name)';
  if (typeof o.cluster !== 'string') throw new InvalidOptionError('cluster', expected, o.cluster);
  let url: URL;
  try { url = new URL(o.cluster); } catch { throw new InvalidOptionError('cluster', expected, o.cluster); }
  if (!PROTOCOLS.includes(url.protocol)) throw new InvalidOptionError('cluster', expected, displayUrl(url.href));
  const schema = url.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) throw new InvalidOptionError('cluster', 'a `?schema=` of lowercase letters, digits and _ (at most 63, not starting with a digit)', schema);
  url.searchParams.delete('schema');
  const host = o.host ?? hostname();
  if (typeof host !== 'string' || !HOST_NAME.test(host) || host.length > MAX_HOST_LENGTH) {
    throw new InvalidOptionError('host', `a host name of letters, digits, ".", "_" and "-" (at most ${MAX_HOST_LENGTH})`, host);
  }
  const leaseTimeMs = o.leaseTime === undefined ? DEFAULT_LEASE_TIME_MS : parseDuration(o.leaseTime, 'leaseTime');
  if (leaseTimeMs < MIN_LEASE_TIME_MS) throw new InvalidOptionError('leaseTime', 'at least 1 s (1000 ms or \'1 sec\')', o.leaseTime);
  if (o.capacity !== undefined && !(Number.isSafeInteger(o.capacity) && o.capacity >= 1)) throw new InvalidOptionError('capacity', 'an integer >= 1', o.capacity);
  const labels = o.labels === undefined ? {} : checkLabels(o.labels, 'labels');
  return { connectionString: url.href, display: displayUrl(url.href), schema, host, leaseTimeMs, capacity: o.capacity ?? null, labels };
}
