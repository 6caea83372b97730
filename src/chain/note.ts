// A chain run's upstream, kept next to the run (`runs/<task>/<runId>/upstream.json`) from before it starts: a queued
// chain run, its close (the ledger's `upstream`, the next hop's depth) and a program's input file all read it there.
// In cluster mode a queued chain run may start on another host: its note is also kept in the database (a `note` row of
// the `events` table), and copied into the launching host's folder before the launch (`fetchUpstreamNote`).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { noteRowOf, putNoteRow } from '../cluster/pg-events.js';
import { clusterOf } from '../cluster/pg-store.js';
import { runDirOf } from '../program/files.js';
import type { Runtime } from '../runtime.js';
import { writeFileAtomic } from '../store/atomic.js';
import type { RunRecord } from '../store/records.js';

/** Env names a chain run gets: the upstream run's id and its exit code (empty when it has none). */
export const UPSTREAM_RUN_ENV = 'EXECUTOR_UPSTREAM_RUN';
/** See {@link UPSTREAM_RUN_ENV}. */
export const UPSTREAM_EXIT_ENV = 'EXECUTOR_UPSTREAM_EXIT';

/** A chain run's upstream run, as recorded on its `RunRecord.upstream`. */
export interface Upstream { task: string; runId: string; exitCode: number | null; depth: number }

/** Name of the note in the run's folder. */
export const UPSTREAM_NOTE = 'upstream.json';

/** The note's path, absolute. */
export function upstreamNoteFile(folder: string, task: string, runId: string): string {
  return join(folder, runDirOf(task, runId), UPSTREAM_NOTE);
}

/** Writes the note of chain run `runId` of `task` (atomically). */
export async function writeUpstreamNote(folder: string, task: string, runId: string, upstream: Upstream): Promise<void> {
  const file = upstreamNoteFile(folder, task, runId);
  mkdirSync(join(folder, runDirOf(task, runId)), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(upstream)}\n`);
}

// `value` if it is an upstream as a note holds it, else null.
function upstreamOrNull(value: unknown): Upstream | null {
  const v = value as Upstream | null;
  return typeof v?.runId === 'string' && typeof v.task === 'string' && Number.isInteger(v.depth) ? v : null;
}

/** The upstream of chain run `runId` of `task`, or null (no note, or not readable). Synchronous: read under a lock at close. */
export function readUpstreamNote(folder: string, task: string, runId: string): Upstream | null {
  try {
    return upstreamOrNull(JSON.parse(readFileSync(upstreamNoteFile(folder, task, runId), 'utf8')));
  } catch {
    return null;
  }
}

/**
 * Cluster mode: keeps the note of a queued chain run in the database as well, so the host that starts it (any host
 * placement picks) finds it. A folder: nothing (the folder's note is the one).
 */
export async function shareUpstreamNote(rt: Runtime, task: string, runId: string, upstream: Upstream): Promise<void> {
  const cluster = clusterOf(rt.store);
  if (cluster !== null) await putNoteRow(cluster.db, task, runId, upstream);
}

/**
 * Cluster mode, before chain run `runId` of `task` is launched (call with the task's lock held): copies its note into
 * this host's folder when the folder has none (the run was queued on another host), from the database's note, else
 * from the run's ledger record (a run resumed on another host). A folder: nothing. Resolves with the upstream, or null.
 * @example `if (req.trigger === 'chain') await fetchUpstreamNote(rt, name, req.runId);`
 */
export async function fetchUpstreamNote(rt: Runtime, task: string, runId: string): Promise<Upstream | null> {
  const local = readUpstreamNote(rt.folder, task, runId);
  const cluster = clusterOf(rt.store);
  if (local !== null || cluster === null) return local;
  const upstream = upstreamOrNull(await noteRowOf(cluster.db, runId))
    ?? upstreamOrNull((await rt.store.readRun(task, runId).catch(() => null))?.upstream ?? null);
  if (upstream !== null) await writeUpstreamNote(rt.folder, task, runId, upstream);
  return upstream;
}

/**
 * A chain run's ledger record with its upstream run (the note the chain wrote), from its launch on rather than only
 * once it ends; any other record as it is.
 * @example `await rt.store.writeRun(withUpstream(rt.folder, ledger))`
 */
export function withUpstream(folder: string, ledger: RunRecord): RunRecord {
  if (ledger.trigger === 'chain') ledger.upstream = readUpstreamNote(folder, ledger.task, ledger.runId);
  return ledger;
}
