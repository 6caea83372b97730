// A chain run's upstream, kept next to the run (`runs/<task>/<runId>/upstream.json`) from before it starts: a queued
// chain run, its close (the ledger's `upstream`, the next hop's depth) and a program's input file all read it there.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDirOf } from '../program/files.js';
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

/** The upstream of chain run `runId` of `task`, or null (no note, or not readable). Synchronous: read under a lock at close. */
export function readUpstreamNote(folder: string, task: string, runId: string): Upstream | null {
  try {
    const value = JSON.parse(readFileSync(upstreamNoteFile(folder, task, runId), 'utf8')) as Upstream;
    return typeof value?.runId === 'string' && Number.isInteger(value.depth) ? value : null;
  } catch {
    return null;
  }
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
