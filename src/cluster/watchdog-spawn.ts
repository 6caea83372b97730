// Starting a host's watchdog (watchdog.ts) from its supervisor, pinging it every second, and detaching it on a clean
// stop. The watchdog is detached from the supervisor's process group: it outlives a kill -9 of the supervisor, which
// is what it is there for.
import type { Writable } from 'node:stream';
import { loadExeca } from '../process/load-execa.js';
import { resolveBuiltEntry } from '../process/built-entry.js';
import type { WatchdogConfig } from './watchdog.js';

/** How often the supervisor pings its watchdog at most, ms (more often with a short `leaseTime`: see PING_SHARE). */
export const PING_MS = 1_000;
/** Pings come at least every this share of `leaseTime`, well within the watchdog's frozen threshold (3/4 of it). */
export const PING_SHARE = 0.2;

/** The supervisor's side of its host's watchdog. */
export class WatchdogHandle {
  readonly #stdin: Writable & { unref?: () => void };
  readonly #timer: NodeJS.Timeout;
  /** Pid of the watchdog process. */
  readonly pid: number;

  private constructor(stdin: Writable, pid: number, pingMs: number, unref: boolean) {
    this.#stdin = stdin;
    this.pid = pid;
    this.#stdin.on('error', () => undefined); // a watchdog gone: nothing to ping
    this.#timer = setInterval(() => this.#send('ping'), pingMs);
    if (unref) {
      this.#timer.unref();
      (this.#stdin as { unref?: () => void }).unref?.();
      // An unref'd supervisor lets its process end when nothing else is left to do: a natural end is a clean stop
      // (its runs live on, as in a folder), told to the watchdog before the pipe closes. A kill or a crash is not.
      process.once('beforeExit', this.#onNaturalEnd);
    }
  }

  readonly #onNaturalEnd = (): void => { this.detach(); };

  /**
   * Starts the watchdog with `config`; null when its entry is not built (`npm run build`) or it cannot be spawned.
   * `onExit` hears it end.
   * @example `const dog = await WatchdogHandle.start(config, false);`
   */
  static async start(config: WatchdogConfig, unref: boolean, onExit: () => void = () => undefined): Promise<WatchdogHandle | null> {
    const entry = resolveBuiltEntry('cluster', 'watchdog-main.js', import.meta.url);
    if (entry === null) return null;
    const { execa } = await loadExeca();
    const child = execa(process.execPath, [entry], { detached: true, stdin: 'pipe', stdout: 'ignore', stderr: 'ignore', cleanup: false, reject: false });
    child.catch(() => undefined);
    child.on('exit', onExit); // it stopped the host's runs (a freeze) or left (a detach)
    child.unref();
    if (child.pid === undefined || child.stdin === null) return null;
    child.stdin.write(`${JSON.stringify(config)}\n`);
    const pingMs = Math.min(PING_MS, Math.round(config.cluster.leaseTimeMs * PING_SHARE));
    return new WatchdogHandle(child.stdin, child.pid, pingMs, unref);
  }

  #send(line: string): void {
    if (this.#stdin.writable) this.#stdin.write(`${line}\n`);
  }

  /** Clean stop: the watchdog holds the host while its runs live (see watchdog.ts), and the pipe is closed. */
  detach(): void {
    process.off('beforeExit', this.#onNaturalEnd);
    clearInterval(this.#timer);
    this.#send('detach');
    this.#stdin.end();
  }
}
