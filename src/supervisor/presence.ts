// Is a supervisor watching this folder? Read from the lease's holder file, and a warning when none is.
import { join } from 'node:path';
import { isAlive } from '../process/identity.js';
import type { Runtime } from '../runtime.js';
import { readJson } from '../store/atomic.js';
import type { LeaseHolder } from '../store/lease.js';
import { FOLDER_LAYOUT } from '../store/layout.js';
import type { TaskRecord } from '../store/records.js';
import { needsRestart } from './wake.js';
import { clusterOf } from '../cluster/pg-store.js';
import { listHostRows } from '../cluster/hosts.js';

/**
 * The live supervisor of a folder (a `keepRestarting()` or `executor supervise` holding its lease), as
 * `getSupervisor()` and `TaskRow.supervisor` give it.
 * @example `{ pid: 4242, hostname: 'build-01', since: '2026-03-01T09:00:00.000Z' }`
 */
export interface SupervisorInfo {
  /** Pid of the supervising process. */
  pid: number;
  /** Host the supervising process runs on. */
  hostname: string;
  /** When it took the lease (ISO). */
  since: string;
}

/** Code of the `warning` emitted when something needs a supervisor and none holds the folder's lease. */
export const NO_SUPERVISOR_CODE = 'ERR_NO_SUPERVISOR';
/** What to do about it, as the CLI and the warnings say it. */
export const NO_SUPERVISOR_HINT = "no supervisor is running for this folder: run 'executor supervise' or ex.keepRestarting()";

function isHolder(value: unknown): value is LeaseHolder {
  const h = value as Partial<LeaseHolder> | null;
  return typeof h === 'object' && h !== null && Number.isInteger(h.pid) && typeof h.hostname === 'string' && typeof h.since === 'string';
}

/**
 * True when the holder's process is alive: the supervisor's own takeover check (pid + start time + boot id, so a
 * reused pid is not mistaken for it); a holder written without an identity counts as alive, as it does there.
 */
export function holderAlive(h: LeaseHolder): boolean {
  return h.pidStartTime === null || h.bootId === null || isAlive({ pid: h.pid, startTime: h.pidStartTime, bootId: h.bootId });
}

/** The folder's live supervisor, or null when none holds the lease (a one-off `tick()` is not one). */
export async function readSupervisor(folder: string): Promise<SupervisorInfo | null> {
  let holder: unknown;
  try {
    holder = await readJson(join(folder, FOLDER_LAYOUT.leaseHolder));
  } catch {
    return null; // no holder file (nobody supervises), or one being replaced
  }
  if (!isHolder(holder) || holder.kind !== 'supervisor' || !holderAlive(holder)) return null;
  return { pid: holder.pid, hostname: holder.hostname, since: holder.since };
}

/**
 * The live supervisor as `getSupervisor()` and `TaskRow.supervisor` give it: a folder's lease holder; in cluster mode,
 * the longest-running live host (`hostname` is its host name), since every live host supervises the cluster's table,
 * else this folder's lease holder (a supervisor still registering its host).
 * @example `await supervisorOf(rt) // { pid: 4242, hostname: 'worker-1', since: '…' }`
 */
export async function supervisorOf(rt: Runtime): Promise<SupervisorInfo | null> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return readSupervisor(rt.folder);
  // A fresh read (the answer is about now); a closed Executor, or a database that fails, answers from the folder.
  const rows = await listHostRows(cluster.db, cluster.db.config.leaseTimeMs).catch(() => []);
  const [first] = rows.filter((r) => r.alive).sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
  // None registered yet: a supervisor of this host's folder that holds its lease but is still registering counts.
  return first === undefined ? readSupervisor(rt.folder) : { pid: first.pid, hostname: first.host, since: first.startedAt };
}

// The crash last warned about, per Executor and task: once per crash (the run that ended), not on every look.
const warnedRestarts = new WeakMap<Runtime, Map<string, string>>();

/** True when a restart of this crashed (or memory-killed) loop is due now or after its backoff. */
export function restartPending(record: TaskRecord): boolean {
  return needsRestart(record, Number.POSITIVE_INFINITY);
}

/**
 * Emits (and logs) the `ERR_NO_SUPERVISOR` warning for `names` when no live supervisor holds the folder's lease.
 * `why` says what will not happen, e.g. `"report's schedule will not fire"`.
 */
export async function warnUnsupervised(rt: Runtime, why: (name: string) => string, names: string[]): Promise<void> {
  if (names.length === 0 || rt.supervisor !== null || (await supervisorOf(rt)) !== null) return;
  for (const name of names) rt.warn(`${why(name)}: ${NO_SUPERVISOR_HINT}`, name, NO_SUPERVISOR_CODE);
}

/** Warns once per crash about the restarts in `records` that are due while nobody supervises the folder. */
export async function warnDueRestarts(rt: Runtime, records: Iterable<TaskRecord>): Promise<void> {
  if (rt.supervisor !== null) return;
  let warned = warnedRestarts.get(rt);
  if (!warned) warnedRestarts.set(rt, (warned = new Map()));
  const fresh: string[] = [];
  for (const record of records) {
    if (!restartPending(record)) continue;
    const crash = `${record.state.lastRunId ?? ''}\0${record.state.lastEndedAt ?? ''}`;
    if (warned.get(record.task.name) === crash) continue;
    warned.set(record.task.name, crash); // claimed before any await: two looks at the same crash warn once
    fresh.push(record.task.name);
  }
  await warnUnsupervised(rt, (name) => `${name} is due for a restart, but nothing will restart it`, fresh);
}

/** After each run this process sees end (its own, or one a look found dead), warns if a crashed loop is left without a supervisor. */
export function warnStrandedOnExit(rt: Runtime): void {
  rt.emitter.on('exit', ({ name }) => {
    if (rt.supervisor !== null) return;
    void rt.store.readTask(name).then((record) => (record ? warnDueRestarts(rt, [record]) : undefined)).catch(() => undefined);
  });
}
