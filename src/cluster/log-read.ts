// Cluster mode: the executor log as every host and client wrote it (the `log` table, pg-log.ts), for readLog and
// followLog; each host's folder keeps only its own lines.
import { InvalidOptionError } from '../errors.js';
import type { FollowOptions } from '../output/follow.js';
import { FOLLOW_POLL_MS } from '../output/follow.js';
import { checkTimerMs } from '../schedule/timer.js';
import type { Db } from './db.js';

/**
 * The last `n` lines of the cluster's log, oldest first (every line with `n` = Infinity).
 * @example `await readClusterLog(db, 50)`
 */
export async function readClusterLog(db: Db, n: number): Promise<string[]> {
  const limit = Number.isFinite(n) ? Math.max(0, Math.floor(n)) : null;
  const rows = await db.query<{ line: string }>(`SELECT line FROM (SELECT seq, line FROM ${db.table('log')} ORDER BY seq DESC ${limit === null ? '' : 'LIMIT $1'}) t ORDER BY seq`, limit === null ? [] : [limit]);
  return rows.map((r) => r.line);
}

async function newestSeq(db: Db): Promise<string> {
  const [row] = await db.query<{ seq: string }>(`SELECT coalesce(max(seq), 0)::text AS seq FROM ${db.table('log')}`);
  return row!.seq;
}

/**
 * Lines of the cluster's log as they are written, from any host (polled every `pollMs`); `fromStart` begins with the
 * lines already there. Ends on `signal`. `startAt` (a file position) has no meaning here and is refused.
 * @example `for await (const line of followClusterLog(db, { signal })) …`
 */
export function followClusterLog(db: Db, opts: FollowOptions = {}): AsyncIterableIterator<string> {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new InvalidOptionError('options', 'an object (or undefined)', opts);
  const pollMs = checkTimerMs(opts.pollMs ?? FOLLOW_POLL_MS, 'pollMs');
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', opts.signal);
  if (opts.startAt !== undefined) throw new InvalidOptionError('startAt', 'absent in cluster mode (the log is a table: use fromStart)', opts.startAt);
  const signal = opts.signal;
  const start = opts.fromStart === true ? Promise.resolve('0') : newestSeq(db);
  return (async function* follow(): AsyncGenerator<string> {
    let after = await start;
    while (signal?.aborted !== true) {
      const rows = await db.query<{ seq: string; line: string }>(`SELECT seq::text AS seq, line FROM ${db.table('log')} WHERE seq > $1 ORDER BY seq LIMIT 1000`, [after]);
      for (const row of rows) {
        after = row.seq;
        yield row.line;
      }
      if (rows.length === 1000) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, pollMs);
        function done(): void { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); }
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  })();
}
