// Cluster mode: a request one host answers for another, through the `requests` table (reading a live run's output,
// which only its host has). The asker inserts a row, wakes the hosts (NOTIFY `request`) and polls for the reply; each
// supervising host answers the rows addressed to it when woken, polls for them as a fallback, and clears old ones.
import { ExecutorError } from '../errors.js';
import { HostUnreachableError } from '../errors/cluster.js';
import type { Db } from './db.js';
import { notifyWake } from './wake.js';

/** How often an asker looks for its reply at most (it looks sooner at first: 10, 20, 40, 80 ms), ms. */
export const REQUEST_POLL_MS = 100;
/** The first wait of an asker for its reply, ms (doubled up to REQUEST_POLL_MS). */
export const REPLY_FIRST_POLL_MS = 10;
/** How often a host looks for requests without a wake-up (the fallback when a NOTIFY is lost), ms. */
export const SERVER_POLL_MS = 1_000;
/** How long an asker waits for a live host's reply, ms. */
export const REQUEST_TIMEOUT_MS = 5_000;
/** Requests older than this are deleted by the host that sees them, ms. */
export const REQUEST_MAX_AGE_MS = 60_000;
/** Old requests are looked for once every this many polls. */
const CLEAN_EVERY_POLLS = 100;

/** What a host answers a request with: a value, or an error (message and code). */
type Reply = { value: unknown } | { error: string; code: string | null };

/**
 * Asks `host` to answer `kind` with `payload`; resolves with its value, rejects with its error (an `ExecutorError`
 * with the same code and message) or with {@link HostUnreachableError} after `timeoutMs`.
 * @example `const lines = await ask(db, 'host-a', 'readOut', { name: 'web', n: 50 })`
 */
export async function ask(db: Db, host: string, kind: string, payload: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
  const [row] = await db.query<{ id: string }>(`INSERT INTO ${db.table('requests')} (host, kind, payload) VALUES ($1, $2, $3::jsonb) RETURNING id`, [host, kind, JSON.stringify(payload)]);
  const id = row!.id;
  await notifyWake(db, 'request');
  const deadline = Date.now() + timeoutMs;
  let pause = REPLY_FIRST_POLL_MS;
  try {
    for (;;) {
      const [answer] = await db.query<{ reply: Reply | null }>(`SELECT reply FROM ${db.table('requests')} WHERE id = $1 AND replied_at IS NOT NULL`, [id]);
      if (answer?.reply) {
        const reply = answer.reply;
        if ('value' in reply) return reply.value;
        throw new RemoteError(reply.error, reply.code);
      }
      if (Date.now() >= deadline) throw new HostUnreachableError(host, `no answer to a ${kind} request within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
      pause = Math.min(REQUEST_POLL_MS, pause * 2);
    }
  } finally {
    await db.query(`DELETE FROM ${db.table('requests')} WHERE id = $1`, [id]).catch(() => undefined);
  }
}

/** An error another host answered a request with (its code and message kept). */
class RemoteError extends ExecutorError {
  constructor(message: string, code: string | null) {
    super((code ?? 'ERR_CLUSTER') as ExecutorError['code'], message);
  }
}

/** Answers one request: its value, or throws. */
export type RequestHandler = (kind: string, payload: unknown) => Promise<unknown>;

/** A supervising host's side: answers the requests addressed to it when woken ({@link RequestServer.wake}), and polls. */
export class RequestServer {
  readonly #db: Db;
  readonly #host: string;
  readonly #handle: RequestHandler;
  readonly #timer: NodeJS.Timeout;
  #busy = false;
  #again = false;
  #stopped = false;
  #polls = 0;

  /** `pollMs`: how often it looks without being woken. */
  constructor(db: Db, host: string, handle: RequestHandler, unref: boolean, pollMs = SERVER_POLL_MS) {
    this.#db = db;
    this.#host = host;
    this.#handle = handle;
    this.#timer = setInterval(() => void this.#poll(), pollMs);
    if (unref) this.#timer.unref();
  }

  /** Looks for requests now (a wake-up came); once more right after the look under way, if any. */
  wake(): void {
    if (this.#busy) this.#again = true;
    else void this.#poll();
  }

  async #poll(): Promise<void> {
    if (this.#busy || this.#stopped) return;
    this.#busy = true;
    this.#again = false;
    try {
      const rows = await this.#db.query<{ id: string; kind: string; payload: unknown }>(
        `SELECT id, kind, payload FROM ${this.#db.table('requests')} WHERE host = $1 AND replied_at IS NULL ORDER BY id`, [this.#host]);
      await Promise.all(rows.map(async (row) => {
        const reply: Reply = await this.#handle(row.kind, row.payload).then((value) => ({ value }),
          (error: Error & { code?: string }) => ({ error: error.message, code: error.code ?? null }));
        await this.#db.query(`UPDATE ${this.#db.table('requests')} SET reply = $2::jsonb, replied_at = now() WHERE id = $1`, [row.id, JSON.stringify(reply)]);
      }));
      if (++this.#polls % CLEAN_EVERY_POLLS === 0) {
        await this.#db.query(`DELETE FROM ${this.#db.table('requests')} WHERE created_at < now() - make_interval(secs => $1::double precision / 1000)`, [REQUEST_MAX_AGE_MS]);
      }
    } catch {
      // the database failed: the next poll tries again
    } finally {
      this.#busy = false;
    }
    if (this.#again) void this.#poll();
  }

  /** Stops answering. */
  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }
}
