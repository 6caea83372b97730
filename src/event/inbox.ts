// The events inbox: `events/<eventId>.json` files (events, and chains: `chain.<upstreamRunId>.json`), each turned into
// one run per target task exactly once. In cluster mode, rows of the `events` table instead (./cluster-inbox.ts).
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterOf } from '../cluster/pg-store.js';
import type { Runtime } from '../runtime.js';
import { readJson, writeFileAtomic } from '../store/atomic.js';
import { JSON_EXT } from '../store/layout.js';
import { EVENTS_DIR, type EventFile } from './pending.js';
import { setChainProcessor } from '../chain/fire.js';
import { processEventRow, processEventRows } from './cluster-inbox.js';
import { startTargets } from './target.js';

export { EVENTS_DIR, type EventFile } from './pending.js';
export { HANDLED_EVENTS_KEPT } from './target.js';

/** Handles one event file: a run for each target, in parallel, then the file is deleted. Null if it is gone or busy. */
export async function processEvent(rt: Runtime, file: string): Promise<EventFile | null> {
  const busy = rt.eventsInFlight; // a pass, a watcher wake and emitEvent may meet on one file
  if (busy.has(file)) return null;
  busy.add(file);
  try {
    const event = (await readJson(file).catch(() => null)) as EventFile | null;
    if (!event || !Array.isArray(event.targets)) return null;
    // Targets that failed (e.g. a lock error) stay in the file, alone, so the next pass tries them again.
    const left = await startTargets(rt, event, event.targets);
    if (left.length === 0) await unlink(file).catch(() => undefined);
    else if (left.length < event.targets.length) await writeFileAtomic(file, `${JSON.stringify({ ...event, targets: left })}\n`).catch(() => undefined);
    return event;
  } finally {
    busy.delete(file);
  }
}

/**
 * Handles an inbox entry written by `emitEvent` or `recordChain`: a file of the folder, or in cluster mode the id of
 * its row. Null if it is gone or busy.
 */
export function processInboxEntry(rt: Runtime, entry: string): Promise<EventFile | null> {
  const cluster = clusterOf(rt.store);
  return cluster === null ? processEvent(rt, entry) : processEventRow(rt, cluster, entry);
}

/** Handles every pending event in the folder (in cluster mode, every row no other host holds), oldest first. */
export async function processInbox(rt: Runtime): Promise<number> {
  const cluster = clusterOf(rt.store);
  if (cluster !== null) return processEventRows(rt, cluster);
  const dir = join(rt.folder, EVENTS_DIR);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(JSON_EXT)).sort();
  for (const f of files) await processEvent(rt, join(dir, f));
  return files.length;
}

// Chains fired by a close are started through run/close.ts → chain/fire.ts, which cannot import this module (a cycle).
setChainProcessor(processInboxEntry);
