// Cluster mode: LISTEN on a connection of its own (a pooled connection cannot keep a LISTEN: it goes back to the pool).
// Opened on the first `listen`, closed when the last listener leaves; re-established after a loss (the database
// restarted, the network broke), each listener then told so (`null`): notifications sent meanwhile were missed, and
// whoever listens catches up (the hosts also poll, so a missed wake-up only delays).

/** Called with a notification's payload, or with null when the connection was re-established after a loss. */
export type Notified = (payload: string | null) => void;

/** The parts of a node-postgres `Client` a Listener uses. */
export interface ListenClient {
  connect(): Promise<unknown>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
}

/** The first wait before reconnecting after a loss, ms (doubled at each failure, up to RECONNECT_MAX_MS). */
export const RECONNECT_MIN_MS = 100;
/** The longest wait between reconnection attempts, ms. */
export const RECONNECT_MAX_MS = 2_000;
/** How often the listening connection is checked (a `SELECT 1`), so a silently broken one is replaced, ms. */
export const LISTEN_CHECK_MS = 10_000;

/** A LISTEN connection shared by every listener of one Db (see the file comment). */
export class Listener {
  readonly #open: () => Promise<ListenClient>;
  readonly #onLoss: () => void;
  readonly #channels = new Map<string, Set<Notified>>();
  #client: ListenClient | null = null;
  #connecting: Promise<void> | null = null;
  #retry: NodeJS.Timeout | null = null;
  #check: NodeJS.Timeout | null = null;
  #retryMs = RECONNECT_MIN_MS;
  #lost = false;
  #closed = false;

  /** `open` makes a new, unconnected client; `onLoss` hears each loss of the connection (or failure to open it). */
  constructor(open: () => Promise<ListenClient>, onLoss: () => void = () => undefined) {
    this.#open = open;
    this.#onLoss = onLoss;
  }

  /**
   * Calls `fn` on each notification on `channel` (and with null after a reconnection); resolves once the first
   * attempt to listen settled (a failure is retried in the background). Resolves with the function that stops it.
   * The connection does not keep the Node process alive.
   */
  async listen(channel: string, fn: Notified): Promise<() => Promise<void>> {
    let set = this.#channels.get(channel);
    const fresh = set === undefined;
    if (!set) this.#channels.set(channel, (set = new Set()));
    set.add(fn);
    if (this.#client === null) await this.#connect();
    const client = this.#client as ListenClient | null;
    // (LISTEN is idempotent: a channel added while the connection was being opened is listened on for sure.)
    if (fresh && client !== null) await client.query(`LISTEN "${channel}"`).catch(() => this.#drop(client));
    return async () => {
      set.delete(fn);
      if (set.size > 0) return;
      this.#channels.delete(channel);
      if (this.#channels.size === 0) await this.#stop();
      else await this.#client?.query(`UNLISTEN "${channel}"`).catch(() => undefined);
    };
  }

  // Opens the connection and listens on every channel; on failure, retries later.
  #connect(): Promise<void> {
    this.#connecting ??= (async () => {
      if (this.#retry) { clearTimeout(this.#retry); this.#retry = null; }
      let client: ListenClient | null = null;
      try {
        client = await this.#open();
        client.on('notification', (message) => this.#notify(message.channel, message.payload ?? ''));
        const onLoss = (): void => this.#drop(client);
        client.on('error', onLoss);
        client.on('end', onLoss);
        await client.connect();
        for (const channel of this.#channels.keys()) await client.query(`LISTEN "${channel}"`);
        if (this.#closed || this.#channels.size === 0) { await client.end().catch(() => undefined); return; }
        this.#client = client;
        unrefClient(client);
        this.#retryMs = RECONNECT_MIN_MS;
        this.#armCheck();
        if (this.#lost) {
          this.#lost = false;
          for (const channel of this.#channels.keys()) this.#notify(channel, null); // notifications may have been missed
        }
      } catch {
        if (client) void client.end().catch(() => undefined);
        this.#onLoss();
        this.#lost = true;
        this.#scheduleRetry();
      }
    })().finally(() => { this.#connecting = null; });
    return this.#connecting;
  }

  #notify(channel: string, payload: string | null): void {
    for (const fn of [...(this.#channels.get(channel) ?? [])]) {
      try { fn(payload); } catch { /* a listener's failure is its own */ }
    }
  }

  // The connection of `client` broke (or failed a check): forget it and reconnect.
  #drop(client: ListenClient | null): void {
    if (client === null || this.#client !== client) return;
    this.#onLoss();
    this.#client = null;
    this.#lost = true;
    if (this.#check) { clearTimeout(this.#check); this.#check = null; }
    void client.end().catch(() => undefined);
    this.#scheduleRetry();
  }

  #scheduleRetry(): void {
    if (this.#closed || this.#channels.size === 0 || this.#retry) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(RECONNECT_MAX_MS, this.#retryMs * 2);
    this.#retry = setTimeout(() => { this.#retry = null; void this.#connect(); }, delay);
    this.#retry.unref();
  }

  #armCheck(): void {
    this.#check = setTimeout(() => {
      this.#check = null;
      const client = this.#client;
      if (client === null) return;
      void withTimeout(client.query('SELECT 1'), LISTEN_CHECK_MS).then(() => this.#armCheck(), () => this.#drop(client));
    }, LISTEN_CHECK_MS);
    this.#check.unref();
  }

  async #stop(): Promise<void> {
    if (this.#retry) { clearTimeout(this.#retry); this.#retry = null; }
    if (this.#check) { clearTimeout(this.#check); this.#check = null; }
    await this.#connecting;
    const client = this.#client;
    this.#client = null;
    this.#lost = false;
    if (client) await client.end().catch(() => undefined);
  }

  /** Stops listening for good (the Db's end). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#channels.clear();
    await this.#stop();
  }

  /** True while the LISTEN connection is up. */
  get connected(): boolean {
    return this.#client !== null;
  }
}

// A listening connection does not keep the process alive (as the pool's idle connections do not).
function unrefClient(client: ListenClient): void {
  (client as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    timer.unref();
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e as Error); });
  });
}
