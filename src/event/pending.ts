// Runs promised by an event that is still in the inbox (not yet picked up by a supervisor).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { eventRowOfRun } from '../cluster/pg-events.js';
import { clusterOf } from '../cluster/pg-store.js';
import type { Runtime } from '../runtime.js';
import { readJson } from '../store/atomic.js';
import { JSON_EXT } from '../store/layout.js';

/** Folder of pending events, inside the Executor folder. */
export const EVENTS_DIR = 'events';

/** One pending event, as written by `emitEvent`. */
export interface EventFile {
  eventId: string;
  type: string;
  payload: unknown;
  emittedAt: string;
  /** The run each subscribed task gets (ids given out by `emitEvent`). */
  targets: { task: string; runId: string }[];
  /** Set when the file is a chain (`after`): the upstream run whose end fires it. Absent for events. */
  chain?: ChainIntent;
}

/** What a chain file says about the run whose end fires it (`type` is then `'chain'`, `payload` that run's `data`). */
export interface ChainIntent {
  /** The upstream run; `depth` is the depth the chain runs get (1 from a run that no chain started, + 1 per hop). */
  upstream: { task: string; runId: string; exitCode: number | null; depth: number };
  /** How the upstream run ended. */
  outcome: 'success' | 'failure';
}

// The pending event of the folder `folder` that promised `runId`.
async function pendingInFolder(folder: string, runId: string): Promise<{ event: EventFile; task: string } | null> {
  const dir = join(folder, EVENTS_DIR);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(JSON_EXT));
  for (const f of files) {
    const event = (await readJson(join(dir, f)).catch(() => null)) as EventFile | null;
    const target = event?.targets?.find((t) => t.runId === runId);
    if (event && target) return { event, task: target.task };
  }
  return null;
}

/**
 * The pending event that promised run `runId`, and its target, or null. `where`: the Executor's runtime (in cluster
 * mode the `events` table is searched), or a folder.
 * @example `const pending = await pendingEventRun(rt, runId);`
 */
export async function pendingEventRun(where: Runtime | string, runId: string): Promise<{ event: EventFile; task: string } | null> {
  if (typeof where === 'string') return pendingInFolder(where, runId);
  const cluster = clusterOf(where.store);
  if (cluster === null) return pendingInFolder(where.folder, runId);
  await cluster.open();
  const event = (await eventRowOfRun(cluster.db, runId)) as EventFile | null;
  const target = event?.targets?.find((t) => t.runId === runId);
  return event && target ? { event, task: target.task } : null;
}
