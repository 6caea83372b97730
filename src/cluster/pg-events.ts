// Cluster mode: the events inbox in SQL (the `events` table, schema v5). An emitted event, a chain fired by a run's
// end (its id derived from the upstream run, so recording it twice inserts it once) and a queued chain run's upstream
// note are rows. A host claims an event or chain row with FOR UPDATE SKIP LOCKED, holding it (its transaction open)
// while it starts the targets, then deletes it, or keeps the targets it left, in the same transaction. Nothing here
// knows what a body holds: src/event/ does.
import type { Db, Query } from './db.js';
import { notifyWake } from './wake.js';

/** What a row of the `events` table is: an emitted event, a chain firing, or a queued chain run's upstream note. */
export type EventRowKind = 'event' | 'chain' | 'note';

/** The kinds of rows a host claims and turns into runs. */
const CLAIMED_KINDS = ['event', 'chain'];

/** A claimed row: its id, and its body as stored. */
export interface ClaimedRow { id: string; body: unknown }

/** What a claim's handler decides: the row done (deleted), or kept: with a new body (the targets left), or as it is. */
export type ClaimOutcome = { done: true } | { done: false; body?: unknown };

/** How often a host sweeps the notes of chain runs that started or were dropped, ms. */
export const NOTE_SWEEP_MS = 60_000;

// One claim at a time per Db: a claim holds a pooled connection while its targets start, which themselves take a task
// lock and pooled connections; two claims at once could starve the pool (POOL_SIZE 5, LOCK_CONNECTIONS 2).
const claimQueues = new WeakMap<Db, Promise<unknown>>();

function serially<T>(db: Db, fn: () => Promise<T>): Promise<T> {
  const next = (claimQueues.get(db) ?? Promise.resolve()).catch(() => undefined).then(fn);
  claimQueues.set(db, next);
  return next;
}

/**
 * Inserts a row unless one with `id` exists (a chain recorded again), then wakes the hosts. Resolves with true when
 * it was inserted.
 * @example `await insertEventRow(db, 'event', event.eventId, event)`
 */
export async function insertEventRow(db: Db, kind: EventRowKind, id: string, body: unknown): Promise<boolean> {
  const rows = await db.query(`INSERT INTO ${db.table('events')} (id, kind, body) VALUES ($1, $2, $3::jsonb) ON CONFLICT (id) DO NOTHING RETURNING 1`,
    [id, kind, JSON.stringify(body)]);
  if (kind !== 'note') await notifyWake(db, 'event');
  return rows.length > 0;
}

// Claims one row (`id`, or the oldest not in `skip`) and hands it to `handle` inside the claim's transaction.
async function claimIn(db: Db, query: Query, where: { id: string } | { skip: string[] }, handle: (row: ClaimedRow) => Promise<ClaimOutcome>): Promise<ClaimedRow | null> {
  const t = db.table('events');
  const rows = 'id' in where
    ? await query<ClaimedRow>(`SELECT id, body FROM ${t} WHERE id = $1 AND kind = ANY($2::text[]) FOR UPDATE SKIP LOCKED`, [where.id, CLAIMED_KINDS])
    : await query<ClaimedRow>(`SELECT id, body FROM ${t} WHERE kind = ANY($2::text[]) AND NOT (id = ANY($1::text[]))
        ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`, [where.skip, CLAIMED_KINDS]);
  const row = rows[0];
  if (row === undefined) return null;
  const outcome = await handle(row);
  if (outcome.done) await query(`DELETE FROM ${t} WHERE id = $1`, [row.id]);
  else if (outcome.body !== undefined) await query(`UPDATE ${t} SET body = $2::jsonb WHERE id = $1`, [row.id, JSON.stringify(outcome.body)]);
  return row;
}

/**
 * Claims event or chain row `id` (skipped when another process holds it, or when it is gone) and runs `handle` on it
 * while holding it; the row is then deleted or rewritten as the outcome says, in the same transaction. A handler
 * that throws leaves the row as it was. Resolves with the row, or null when it was not claimed.
 */
export function claimEventRow(db: Db, id: string, handle: (row: ClaimedRow) => Promise<ClaimOutcome>): Promise<ClaimedRow | null> {
  return serially(db, () => db.transaction((query) => claimIn(db, query, { id }, handle)));
}

/** As {@link claimEventRow}, for the oldest event or chain row not in `skip` that no other process holds. */
export function claimNextEventRow(db: Db, skip: string[], handle: (row: ClaimedRow) => Promise<ClaimOutcome>): Promise<ClaimedRow | null> {
  return serially(db, () => db.transaction((query) => claimIn(db, query, { skip }, handle)));
}

/** True when some event or chain row is pending (a plain read: a pass over an empty inbox opens no transaction). */
export async function anyEventRow(db: Db): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM ${db.table('events')} WHERE kind = ANY($1::text[]) LIMIT 1`, [CLAIMED_KINDS]);
  return rows.length > 0;
}

/** The pending event or chain row that promised run `runId` (its body), or null. Never waits for a claim. */
export async function eventRowOfRun(db: Db, runId: string): Promise<unknown> {
  const rows = await db.query<{ body: unknown }>(`SELECT body FROM ${db.table('events')} WHERE kind = ANY($2::text[]) AND body->'targets' @> $1::jsonb
    ORDER BY created_at LIMIT 1`, [JSON.stringify([{ runId }]), CLAIMED_KINDS]);
  return rows[0]?.body ?? null;
}

/** The id of the upstream note of chain run `runId`. */
export const noteIdOf = (runId: string): string => `note.${runId}`;

/** Stores (or replaces) the upstream note `body` of chain run `runId` of `task`. */
export async function putNoteRow(db: Db, task: string, runId: string, upstream: unknown): Promise<void> {
  await db.query(`INSERT INTO ${db.table('events')} (id, kind, body) VALUES ($1, 'note', $2::jsonb) ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body`,
    [noteIdOf(runId), JSON.stringify({ task, runId, upstream })]);
}

/** The upstream stored for chain run `runId`, or null. */
export async function noteRowOf(db: Db, runId: string): Promise<unknown> {
  const rows = await db.query<{ body: { upstream?: unknown } }>(`SELECT body FROM ${db.table('events')} WHERE id = $1 AND kind = 'note'`, [noteIdOf(runId)]);
  return rows[0]?.body.upstream ?? null;
}

/**
 * Deletes the notes no longer needed: their run has a ledger record (it started, or was dropped from the queue), or
 * their task is gone. Resolves with how many.
 */
export async function sweepNoteRows(db: Db): Promise<number> {
  const rows = await db.query(`DELETE FROM ${db.table('events')} e WHERE e.kind = 'note' AND (
      EXISTS (SELECT 1 FROM ${db.table('runs')} r WHERE r.task = e.body->>'task' AND r.run_id = e.body->>'runId')
      OR NOT EXISTS (SELECT 1 FROM ${db.table('tasks')} t WHERE t.name = e.body->>'task')) RETURNING 1`);
  return rows.length;
}
