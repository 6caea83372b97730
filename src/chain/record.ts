// The hook where a run's close is recorded (under the upstream task's lock): the chains it fires, written durably into
// the events inbox (in cluster mode, the `events` table) before the close itself is written, so a crash in between
// cannot lose them.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { insertEventRow } from '../cluster/pg-events.js';
import { clusterOf } from '../cluster/pg-store.js';
import { EVENTS_DIR, type EventFile } from '../event/pending.js';
import { newRunId } from '../run/ids.js';
import type { Runtime } from '../runtime.js';
import { writeFileAtomic } from '../store/atomic.js';
import { JSON_EXT } from '../store/layout.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';
import { chainTargets, type ChainOutcome } from './links.js';

/** The event type of chain files in the inbox. */
export const CHAIN_EVENT_TYPE = 'chain';

/** How the closing run ended, for its chains. */
export interface ChainEnd {
  /** null for a stopped run (stopTask, cancelRun, replaced): it fires no chain. */
  outcome: ChainOutcome | null;
  exitCode: number | null;
  /** The run's `data` when known (a program's ledger); undefined = read from its ledger record. */
  data: unknown;
  /** The closing run's own chain depth: 0 unless a chain started it. */
  depth: number;
}

/** The chain file of upstream run `runId`: one per upstream run, so a close recorded again finds it there. */
export function chainFileOf(folder: string, runId: string): string {
  return join(folder, EVENTS_DIR, `${CHAIN_EVENT_TYPE}.${runId}${JSON_EXT}`);
}

/** The inbox id of the chain of upstream run `runId` (its file's name, its row's id in cluster mode). */
export function chainIdOf(runId: string): string {
  return `${CHAIN_EVENT_TYPE}.${runId}`;
}

// The chain of `run`, its targets' runIds given out now.
async function chainEvent(rt: Runtime, name: string, run: CurrentRun, end: ChainEnd & { outcome: ChainOutcome }, targets: string[]): Promise<EventFile> {
  const data = end.data !== undefined ? end.data : ((await rt.store.readRun(name, run.runId).catch(() => null))?.data ?? null);
  const now = rt.now();
  return {
    eventId: chainIdOf(run.runId), type: CHAIN_EVENT_TYPE, payload: data, emittedAt: new Date(now).toISOString(),
    targets: targets.map((task) => ({ task, runId: newRunId(now) })),
    chain: { upstream: { task: name, runId: run.runId, exitCode: end.exitCode, depth: end.depth + 1 }, outcome: end.outcome },
  };
}

/**
 * Writes the chain of `run` of `record` when its end fires any task's `after` (call under the task's lock, before the
 * close is written): a file of the inbox, or in cluster mode a row keyed by the upstream run (inserted once however
 * often the close is recorded). Resolves with the entry (the file, or the row's id), or null when no chain fires. A
 * write error rejects (the close is then not recorded, and is tried again), so a chain is never lost.
 */
export async function recordChain(rt: Runtime, record: TaskRecord, run: CurrentRun, end: ChainEnd): Promise<string | null> {
  const { outcome } = end;
  if (outcome === null) return null;
  const { name } = record.task;
  const table = await rt.store.table();
  const specs = [...table.records.values()].map((r) => (r.task.name === name ? record.task : r.task));
  const targets = chainTargets(specs, name, outcome);
  if (targets.length === 0) return null;
  const cluster = clusterOf(rt.store);
  if (cluster !== null) {
    await insertEventRow(cluster.db, 'chain', chainIdOf(run.runId), await chainEvent(rt, name, run, { ...end, outcome }, targets));
    return chainIdOf(run.runId);
  }
  const file = chainFileOf(rt.folder, run.runId);
  if (existsSync(file)) return file; // the close is being recorded again (a crash after the file was written)
  const event = await chainEvent(rt, name, run, { ...end, outcome }, targets);
  mkdirSync(join(rt.folder, EVENTS_DIR), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(event)}\n`);
  return file;
}
