// Cluster mode: the wake-up of the supervising hosts (a queued run, an event, a control request): a NOTIFY on the
// cluster's channel. Hosts also poll (at least every second), so a lost notification only delays, never loses, work.
import { createHash } from 'node:crypto';
import type { Runtime } from '../runtime.js';
import type { Db } from './db.js';
import { clusterOf } from './pg-store.js';

/** What a wake-up is about (the payload of the NOTIFY). */
export type WakeTopic = 'queue' | 'event' | 'control' | 'request';

/**
 * The cluster's notification channel: one per schema, a plain identifier under PostgreSQL's 63-byte limit.
 * @example `wakeChannel('executor') // 'executor_wake_…'`
 */
export function wakeChannel(schema: string): string {
  return `executor_wake_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

/**
 * Wakes every host listening on the cluster's channel (best effort: a failure is ignored, the hosts' polling catches up).
 * @example `await notifyWake(cluster.db, 'queue');`
 */
export async function notifyWake(db: Db, topic: WakeTopic): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [wakeChannel(db.config.schema), topic]).catch(() => undefined);
}

const TOPICS: ReadonlySet<string> = new Set<WakeTopic>(['queue', 'event', 'control', 'request']);

/**
 * Calls `fn` on each wake-up sent on the cluster's channel, with its topic, or with null when the LISTEN connection was
 * re-established after a loss (wake-ups sent meanwhile were missed: look at everything). Resolves with the function
 * that stops listening.
 * @example `const unlisten = await listenWake(cluster.db, (topic) => supervisor.wake(topic));`
 */
export function listenWake(db: Db, fn: (topic: WakeTopic | null) => void): Promise<() => Promise<void>> {
  return db.listen(wakeChannel(db.config.schema), (payload) => {
    if (payload === null || TOPICS.has(payload)) fn(payload as WakeTopic | null);
  });
}

/**
 * Cluster mode, in a process that does not supervise: wakes the hosts after a change of the table they act on (a task
 * enabled or disabled, started or stopped), so they act at once rather than at their next pass. Nothing for a folder.
 * @example `await wakeHosts(rt);`
 */
export async function wakeHosts(rt: Pick<Runtime, 'store' | 'supervisor'>): Promise<void> {
  const cluster = clusterOf(rt.store);
  if (cluster !== null && rt.supervisor === null) await notifyWake(cluster.db, 'control');
}
