// Cluster mode: the events inbox is the `events` table (src/cluster/pg-events.ts). A host claims one event or chain
// row at a time (marked claimed through FOR UPDATE SKIP LOCKED, for leaseTime + 5 s), starts the targets it may run
// (placement: a task restricted by `hosts` or `labels` starts on an allowed host, any other on the host placement
// picks), keeps the rest in the row for another host or the next pass, and deletes the row once every target is
// handled. Each target starts once: `handledEvents`, under the task's cluster-wide lock.
import { anyEventRow, claimEventRow, claimNextEventRow, NOTE_SWEEP_MS, sweepNoteRows, type ClaimedRow, type Claimer, type ClaimOutcome } from '../cluster/pg-events.js';
import { hostRoom, placementHere } from '../cluster/placement-step.js';
import type { PgStore } from '../cluster/pg-store.js';
import type { Runtime } from '../runtime.js';
import type { EventFile } from './pending.js';
import { startTargets } from './target.js';

type Target = EventFile['targets'][number];

/** A claim older than the lease time plus this may be taken again (its claimer died, or froze), ms. */
export const CLAIM_GRACE_MS = 5_000;

// This process as a claimer of rows.
function claimerOf(rt: Runtime, cluster: PgStore): Claimer {
  const { host, leaseTimeMs } = cluster.db.config;
  return { host: rt.host ?? host, expiryMs: leaseTimeMs + CLAIM_GRACE_MS };
}

// When each Executor last swept the notes of chain runs that no longer need them (epoch ms).
const sweptAt = new WeakMap<Runtime, number>();

// The targets this host starts now (placement picks it, within its capacity), and those it leaves (for an allowed host,
// or for later when every allowed host is full or none is alive). A missing or disabled task is handled here: its
// target starts nothing, and says so.
async function targetsHere(rt: Runtime, event: EventFile): Promise<{ here: Target[]; left: Target[] }> {
  const { records } = await rt.store.table(); // fresh: a task added just before the event is known (and placed)
  const here: Target[] = [];
  const left: Target[] = [];
  let placed = 0; // targets started here, not yet in the table (this host's capacity counts them)
  for (const target of event.targets) {
    const record = records.get(target.task);
    if (!record || !record.state.enabled) here.push(target);
    else if ((await placementHere(rt, record)).kind === 'here' && (await hostRoom(rt, placed)) > 0) { here.push(target); placed++; }
    else left.push(target);
  }
  return { here, left };
}

// Handles one claimed row: the row is done once no target is left (a failed start stays, as in a folder).
async function handleRow(rt: Runtime, row: ClaimedRow): Promise<ClaimOutcome> {
  const event = row.body as EventFile | null;
  if (!event || typeof event !== 'object' || !Array.isArray(event.targets)) {
    rt.warn(`Dropping the malformed event row ${row.id}`);
    return { done: true };
  }
  const { here, left } = await targetsHere(rt, event);
  const failed = here.length === 0 ? [] : await startTargets(rt, event, here);
  const kept = event.targets.filter((t) => left.includes(t) || failed.includes(t));
  if (kept.length === 0) return { done: true };
  return kept.length === event.targets.length ? { done: false } : { done: false, body: { ...event, targets: kept } };
}

/**
 * Handles event or chain row `id` now (emitEvent, a chain fired by a close), unless another process holds it. Resolves
 * with the event, or null when it was not claimed (gone, or held elsewhere).
 */
export async function processEventRow(rt: Runtime, cluster: PgStore, id: string): Promise<EventFile | null> {
  await rt.hosts?.refresh();
  const row = await claimEventRow(cluster.db, id, claimerOf(rt, cluster), (r) => handleRow(rt, r));
  return row === null ? null : (row.body as EventFile);
}

// Claims the pending rows one by one, oldest first; resolves with how many were claimed.
async function claimAll(rt: Runtime, cluster: PgStore): Promise<number> {
  if (!(await anyEventRow(cluster.db))) return 0; // the usual pass: one read, no transaction
  await rt.hosts?.refresh();
  const seen: string[] = [];
  for (;;) {
    const row = await claimNextEventRow(cluster.db, seen, claimerOf(rt, cluster), (r) => handleRow(rt, r));
    if (row === null) break;
    seen.push(row.id);
  }
  return seen.length;
}

/**
 * Handles every pending event and chain row no other host holds, oldest first; resolves with how many were claimed.
 * A database error is logged, not thrown (the rows stay for the next pass; the rest of the pass goes on).
 */
export async function processEventRows(rt: Runtime, cluster: PgStore): Promise<number> {
  try {
    await cluster.open();
    const now = Date.now();
    if (now - (sweptAt.get(rt) ?? 0) >= NOTE_SWEEP_MS) {
      sweptAt.set(rt, now);
      await sweepNoteRows(cluster.db).catch(() => undefined); // notes of chain runs that started or were dropped
    }
    return await claimAll(rt, cluster);
  } catch (error) {
    rt.log(`Could not claim events: ${(error as Error).message}`);
    return 0;
  }
}
