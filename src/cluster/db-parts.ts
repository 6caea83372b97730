// Small parts of the cluster's database access (db.ts): a semaphore for its lock connections, what counts as the
// database's trouble, how an error is told, and the name this process's sessions carry.

/**
 * A counting semaphore: at most `count` holders at once, served in order.
 * @example `const give = await slots.take(); try { … } finally { give(); }`
 */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(count: number) { this.#free = count; }
  async take(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

// SQLSTATEs of a connection that ended or could not be had: admin/crash shutdown, cannot connect now, class 08.
const TROUBLE_CODES: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);

/** True when `error` says the database could not be reached (not a statement's own failure). */
export function isConnectionTrouble(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (TROUBLE_CODES.has(code) || code.startsWith('08')) return true;
  // Not pg-pool's "timeout exceeded when trying to connect": it also says that when a caller waited for a busy pool's
  // connection, which is no sign of the database's trouble (a busy host would then claim nobody dead for a lease).
  return typeof e.message === 'string' && /Connection terminated|not queryable/i.test(e.message);
}

/** What a pg (or network) error says, for a ClusterError's message. */
export function problemOf(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const code = typeof e.code === 'string' ? ` (${e.code})` : '';
  return `${e.message ?? String(error)}${code}`;
}

/**
 * The `application_name` of this process's sessions for host `host` (its pid too: a host claimed dead has the
 * sessions of its registered process ended, not those of a client of the same machine and name).
 * @example `appName('worker-1') // 'executor-sdk worker-1 4242'`
 */
export function appName(host: string, pid = process.pid): string {
  return `executor-sdk ${host} ${pid}`;
}
