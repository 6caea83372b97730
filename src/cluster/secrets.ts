// Cluster mode: secret env values in the cluster's `secrets` table, sealed under the cluster's key
// (cluster/secrets-key.ts), so a task added on one machine runs on any host. One row per task generation
// (`gen` = the record's `secretsRef.gen`) and one per queued run's own env (`gen` = `run:<runId>`). A row is written
// before the record that names it and the other generations' rows go once that record is written (under the task's
// lock): a record is never paired with another generation's values. Reads at a start are synchronous
// (cluster/secrets-sync.ts) and cached by generation. Choices: docs/decisions.md ("Issue 17: secrets across hosts").
import type { Db } from './db.js';
import { SecretsFileError } from '../errors/task.js';
import { SecretsKeyError } from '../errors/secrets.js';
import { openSecrets, sealSecrets, SECRETS_KEY_ENV, type SecretsKey } from './secrets-key.js';
import { queryNow, SYNC_READ_TIMEOUT_MS } from './secrets-sync.js';

/** Prefix of the generation of a queued run's own env: `run:<runId>`. */
export const RUN_GEN_PREFIX = 'run:';
/** The generation of a queued run's row. */
export const runGen = (runId: string): string => `${RUN_GEN_PREFIX}${runId}`;
/** The `meta` key holding the id of the key the cluster's values are sealed under (set by the first write). */
export const KEY_ID_META = 'secretsKeyId';
/** Shortest wait for a synchronous read's connect or query, ms. */
const MIN_READ_MS = 250;
/** Most bodies cached by one process. */
const CACHE_SIZE = 4096;

/**
 * Where a row is, for messages and errors' `.file`: the URL (without its password), the table and the row.
 * @example `rowLabel(db, 'api', gen) // 'postgres://u:***@db/jobs executor.secrets (api, 3f9c0a1b2c3d4e5f)'`
 */
export function rowLabel(db: Db, task: string, gen: string): string {
  return `${db.config.display} ${db.config.schema}.secrets (${task}, ${gen})`;
}

// Sealed bodies by cluster, task and generation (a generation's values never change).
const bodies = new Map<string, string>();
const cacheKey = (db: Db, task: string, gen: string): string => `${db.config.display}\0${db.config.schema}\0${task}\0${gen}`;
function remember(db: Db, task: string, gen: string, body: string): void {
  if (gen.startsWith(RUN_GEN_PREFIX)) return; // read once, at its spawn
  if (bodies.size >= CACHE_SIZE) bodies.delete(bodies.keys().next().value!);
  bodies.set(cacheKey(db, task, gen), body);
}

// The Dbs whose key id was checked against the cluster's (once each).
const checked = new WeakMap<Db, string>();

/**
 * Checks that `key` is the cluster's: the first write records its id in `meta`; a later write under another key is
 * refused with `SecretsKeyError` (nothing written), so no host is left with values it cannot open.
 * @example `await checkClusterKey(db, key, 'api')`
 */
export async function checkClusterKey(db: Db, key: SecretsKey, task: string): Promise<void> {
  if (checked.get(db) === key.id) return;
  const meta = db.table('meta');
  await db.query(`INSERT INTO ${meta} (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO NOTHING`, [KEY_ID_META, JSON.stringify(key.id)]);
  const rows = await db.query<{ value: unknown }>(`SELECT value FROM ${meta} WHERE key = $1`, [KEY_ID_META]);
  const kept = typeof rows[0]?.value === 'string' ? rows[0].value : null;
  if (kept !== key.id) {
    throw new SecretsKeyError(`${db.config.display} ${db.config.schema}.meta (${KEY_ID_META})`, task, `a key with id ${key.id}, while the cluster's values are sealed under the key with id ${kept ?? 'unknown'}`, { keyId: key.id, keptKeyId: kept });
  }
  checked.set(db, key.id);
}

/**
 * Seals `value` under `key` into row (`task`, `gen`) (replacing a row of that generation). Throws `SecretsKeyError`
 * when `key` is not the cluster's, `ClusterError` when the database fails.
 * @example `await putClusterSecrets(db, key, 'api', ref.gen, { env: { API_KEY: 'abc' }, steps: {} })`
 */
export async function putClusterSecrets(db: Db, key: SecretsKey, task: string, gen: string, value: unknown): Promise<void> {
  await checkClusterKey(db, key, task);
  const body = sealSecrets(key, task, gen, value);
  await db.query(`INSERT INTO ${db.table('secrets')} (task, gen, body) VALUES ($1, $2, $3)
    ON CONFLICT (task, gen) DO UPDATE SET body = EXCLUDED.body, created_at = now()`, [task, gen, body]);
  remember(db, task, gen, body);
}

/**
 * Deletes task `task`'s generation rows other than `keep` (the one its record names; null: every one); with
 * `runs`, its queued runs' rows too.
 * @example `await dropClusterSecrets(db, 'api', record?.task.secretsRef?.gen ?? null, record === null)`
 */
export async function dropClusterSecrets(db: Db, task: string, keep: string | null, runs = false): Promise<void> {
  await db.query(`DELETE FROM ${db.table('secrets')} WHERE task = $1 AND gen IS DISTINCT FROM $2 AND ($3 OR gen NOT LIKE 'run:%')`, [task, keep, runs]);
}

/**
 * Deletes a queued run's row (once the run is spawned or cancelled).
 * @example `await dropRunSecrets(db, 'api', runId)`
 */
export async function dropRunSecrets(db: Db, task: string, runId: string): Promise<void> {
  await db.query(`DELETE FROM ${db.table('secrets')} WHERE task = $1 AND gen = $2`, [task, runGen(runId)]);
}

/**
 * Reads row (`task`, `gen`) into this process's cache without blocking, so a start that follows finds it at once.
 * Quiet: a failure leaves the start to read it (and report).
 * @example `await prefetchClusterSecrets(db, 'api', record.task.secretsRef.gen)`
 */
export async function prefetchClusterSecrets(db: Db, task: string, gen: string): Promise<void> {
  if (bodies.has(cacheKey(db, task, gen))) return;
  try {
    const rows = await db.query<{ body: string }>(`SELECT body FROM ${db.table('secrets')} WHERE task = $1 AND gen = $2`, [task, gen]);
    if (rows[0] !== undefined) remember(db, task, gen, rows[0].body);
  } catch {
    // the start reads it again, and says what failed
  }
}

/** What the cluster holds for one row, read at a start. */
export type ClusterKept =
  | { state: 'found'; file: string; value: unknown }
  | { state: 'absent'; file: string }
  /** A row is there, but this process has no key to open it. */
  | { state: 'no-key'; file: string }
  | { state: 'error'; file: string; problem: string };

// The row's body: cached, else read now (synchronously).
function bodyNow(db: Db, task: string, gen: string): { body: string | null } | { problem: string } {
  const cached = bodies.get(cacheKey(db, task, gen));
  if (cached !== undefined) return { body: cached };
  // This thread waits: a quarter of leaseTime at most per step, so a slow database never stops this host's heartbeats
  // for long enough to have it declared dead.
  const timeoutMs = Math.max(MIN_READ_MS, Math.min(SYNC_READ_TIMEOUT_MS, Math.floor(db.config.leaseTimeMs / 4)));
  const read = queryNow<{ body: string }>(db.config.connectionString, `SELECT body FROM ${db.table('secrets')} WHERE task = $1 AND gen = $2`, [task, gen], timeoutMs);
  if ('error' in read) return { problem: read.error };
  const body = read.rows[0]?.body ?? null;
  if (body !== null) remember(db, task, gen, body);
  return { body };
}

/**
 * Row (`task`, `gen`) opened with `key` (null: this process has none), read synchronously (see the file comment).
 * Throws `SecretsKeyError` when the row was sealed under another key, `SecretsFileError` when it does not open.
 * @example `const kept = clusterSecretsNow(db, key, 'api', gen); if (kept.state === 'found') kept.value;`
 */
export function clusterSecretsNow(db: Db, key: SecretsKey | null, task: string, gen: string): ClusterKept {
  const file = rowLabel(db, task, gen);
  const read = bodyNow(db, task, gen);
  if ('problem' in read) return { state: 'error', file, problem: read.problem };
  if (read.body === null) return { state: 'absent', file };
  if (key === null) return { state: 'no-key', file };
  const opened = openSecrets(key, task, gen, read.body);
  if (opened.state === 'open') return { state: 'found', file, value: opened.value };
  if (opened.state === 'wrong-key') {
    throw new SecretsKeyError(file, task, `a key with id ${key.id}, while task ${JSON.stringify(task)}'s values are sealed under the key with id ${opened.keptKeyId}`, { keyId: key.id, keptKeyId: opened.keptKeyId });
  }
  throw new SecretsFileError(file, opened.problem);
}

/** Words for a row this process cannot open for want of a key. */
export const NO_KEY_WORDS = `they are kept sealed in the cluster's secrets table and this process has no ${SECRETS_KEY_ENV}: set the cluster's key in ${SECRETS_KEY_ENV} on every host and client`;
/** Words for values kept on another machine, for a cluster's ERR_ENV_FILE. */
export const CLUSTER_HINT = `in a cluster, secret values reach the other hosts only through the cluster's database: set the same ${SECRETS_KEY_ENV} on every host and client (32 bytes in hex or base64, or a passphrase), then add the task again with { replace: true }`;
