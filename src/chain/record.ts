// The hook where a run's close is recorded (under the upstream task's lock): the chains it fires, written durably into
// the events inbox before the close itself is written, so a crash in between cannot lose them.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
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

/**
 * Writes the chain file of `run` of `record` when its end fires any task's `after` (call under the task's lock, before
 * the close is written). Resolves with the file, or null when no chain fires. A write error rejects (the close is then
 * not recorded, and is tried again), so a chain is never lost.
 */
export async function recordChain(rt: Runtime, record: TaskRecord, run: CurrentRun, end: ChainEnd): Promise<string | null> {
  if (end.outcome === null) return null;
  const { name } = record.task;
  const table = await rt.store.table();
  const specs = [...table.records.values()].map((r) => (r.task.name === name ? record.task : r.task));
  const targets = chainTargets(specs, name, end.outcome);
  if (targets.length === 0) return null;
  const file = chainFileOf(rt.folder, run.runId);
  if (existsSync(file)) return file; // the close is being recorded again (a crash after the file was written)
  const data = end.data !== undefined ? end.data : ((await rt.store.readRun(name, run.runId).catch(() => null))?.data ?? null);
  const now = rt.now();
  const event: EventFile = {
    eventId: `${CHAIN_EVENT_TYPE}.${run.runId}`, type: CHAIN_EVENT_TYPE, payload: data, emittedAt: new Date(now).toISOString(),
    targets: targets.map((task) => ({ task, runId: newRunId(now) })),
    chain: { upstream: { task: name, runId: run.runId, exitCode: end.exitCode, depth: end.depth + 1 }, outcome: end.outcome },
  };
  mkdirSync(join(rt.folder, EVENTS_DIR), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(event)}\n`);
  return file;
}
