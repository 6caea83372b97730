// Cluster mode: the events inbox in SQL (the `events` table, schema v5). An emitted event, a chain fired by a run's
// end (its id derived from the upstream run, so recording it twice inserts it once) and a queued chain run's upstream
// note are rows. A process claims an event or chain row in one statement (`UPDATE … WHERE id = (SELECT … FOR UPDATE
// SKIP LOCKED)`), marking it in its body (`claim`: host, token, time), starts the targets with no connection held,
// then deletes the row, or keeps the targets it left (claim cleared), if its claim still stands. A claim older than
// its expiry (the claimer died, or froze) may be taken again: the targets' own `handledEvents`, under each task's
// lock, keep a target from starting twice. Nothing here knows what a body holds beyond `claim`: src/event/ does.
import { randomUUID } from 'node:crypto';
import type { Db } from './db.js';
import { notifyWake } from './wake.js';

/** What a row of the `events` table is: an emitted event, a chain firing, or a queued chain run's upstream note. */
export type EventRowKind = 'event' | 'chain' | 'note';

/** The kinds of rows a host claims and turns into runs. */
const CLAIMED_KINDS = ['event', 'chain'];

/** A claimed row: its id, and its body as stored (with this claim's `claim` field). */
export interface ClaimedRow { id: string; body: unknown }

/** What a claim's handler decides: the row done (deleted), or kept: with a new body (the targets left), or as it is. */
export type ClaimOutcome = { done: true } | { done: false; body?: unknown };

/** Who claims, and how long the claim holds (ms) before another process may take the row again. */
export interface Claimer { host: string; expiryMs: number }

/** How often a host sweeps the notes of chain runs that started or were dropped, ms. */
export const NOTE_SWEEP_MS = 60_000;

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

// Marks one row claimed (`id`, or the oldest not in `skip`) unless another process holds a live claim on it.
async function mark(db: Db, where: { id: string } | { skip: string[] }, claimer: Claimer, token: string): Promise<ClaimedRow | null> {
  const t = db.table('events');
  const which = 'id' in where ? 'id = $4' : 'NOT (id = ANY($4::text[]))';
  const rows = await db.query<ClaimedRow>(`UPDATE ${t} SET body = body || jsonb_build_object('claim', jsonb_build_object('host', $1::text, 'token', $2::text, 'at', now()))
    WHERE id = (SELECT id FROM ${t} WHERE kind = ANY($3::text[]) AND ${which}
      AND (body->'claim' IS NULL OR (body->'claim'->>'at')::timestamptz < now() - make_interval(secs => $5::double precision / 1000))
      ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING id, body`, [claimer.host, token, CLAIMED_KINDS, 'id' in where ? where.id : where.skip, claimer.expiryMs]);
  return rows[0] ?? null;
}

// Settles a claim: the row deleted, or kept (a new body, or as it was) with the claim cleared; only while it is ours.
async function settle(db: Db, id: string, token: string, outcome: ClaimOutcome): Promise<void> {
  const t = db.table('events');
  const ours = `id = $1 AND body->'claim'->>'token' = $2`;
  if (outcome.done) await db.query(`DELETE FROM ${t} WHERE ${ours}`, [id, token]);
  else if (outcome.body === undefined) await db.query(`UPDATE ${t} SET body = body - 'claim' WHERE ${ours}`, [id, token]);
  else await db.query(`UPDATE ${t} SET body = $3::jsonb - 'claim' WHERE ${ours}`, [id, token, JSON.stringify(outcome.body)]);
}

async function claim(db: Db, where: { id: string } | { skip: string[] }, claimer: Claimer, handle: (row: ClaimedRow) => Promise<ClaimOutcome>): Promise<ClaimedRow | null> {
  const token = randomUUID();
  const row = await mark(db, where, claimer, token);
  if (row === null) return null;
  let outcome: ClaimOutcome;
  try {
    outcome = await handle(row);
  } catch (error) {
    await settle(db, row.id, token, { done: false }).catch(() => undefined); // let it go for the next pass
    throw error;
  }
  await settle(db, row.id, token, outcome);
  return row;
}

/**
 * Claims event or chain row `id` (skipped when another process holds a live claim on it, or when it is gone) and runs
 * `handle` on it; the row is then deleted or rewritten as the outcome says, if the claim still stands. A handler that
 * throws lets the row go as it was. Resolves with the row, or null when it was not claimed.
 */
export function claimEventRow(db: Db, id: string, claimer: Claimer, handle: (row: ClaimedRow) => Promise<ClaimOutcome>): Promise<ClaimedRow | null> {
  return claim(db, { id }, claimer, handle);
}

/** As {@link claimEventRow}, for the oldest event or chain row not in `skip` that no other process holds. */
export function claimNextEventRow(db: Db, skip: string[], claimer: Claimer, handle: (row: ClaimedRow) => Promise<ClaimOutcome>): Promise<ClaimedRow | null> {
  return claim(db, { skip }, claimer, handle);
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
