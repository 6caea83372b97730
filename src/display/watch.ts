// ex.watch(): the Executor's table, shown now and refreshed every interval until a signal, an interrupt or close():
// in place under tslab (one display, overwritten) and Deno's kernel (display_id updates), as text elsewhere (printed
// again only when it changed).
import { InvalidOptionError } from '../errors.js';
import { checkTimerMs } from '../schedule/timer.js';
import type { AbortSignalLike } from '../signal-types.js';
import type { MimeBundle } from './mime.js';
import { denoJupyterOf, tslabOf } from './display.js';

/** Options of `ex.watch()`. */
export interface WatchOptions {
  /** Ends the watch. @defaultValue none: it ends on an interrupt or `close()` */
  signal?: AbortSignalLike;
  /**
   * Milliseconds between two refreshes (at least {@link MIN_WATCH_INTERVAL_MS}).
   * @defaultValue 2000
   */
  intervalMs?: number;
  /** Where the text goes outside a notebook kernel. @defaultValue writes to `process.stdout` */
  write?: (text: string) => void;
}

/** Default of `intervalMs`. */
export const DEFAULT_WATCH_INTERVAL_MS = 2_000;
/** Shortest `intervalMs`. */
export const MIN_WATCH_INTERVAL_MS = 100;

/** Checks `watch()`'s options. */
export function checkWatchOptions(options: unknown): WatchOptions & { intervalMs: number } {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new InvalidOptionError('options', 'an object', options);
  const o = (options ?? {}) as WatchOptions;
  const intervalMs = o.intervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
  checkTimerMs(intervalMs, 'intervalMs');
  if (intervalMs < MIN_WATCH_INTERVAL_MS) throw new InvalidOptionError('intervalMs', `a number of milliseconds >= ${MIN_WATCH_INTERVAL_MS}`, intervalMs);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', o.signal);
  if (o.write !== undefined && typeof o.write !== 'function') throw new InvalidOptionError('write', 'a function', o.write);
  return { ...o, intervalMs };
}

// Where each refresh goes: one in-place display in a kernel, else the text when it changed.
function sinkFor(write: ((text: string) => void) | undefined): (bundle: MimeBundle, first: boolean) => Promise<void> {
  const tslab = tslabOf();
  if (tslab?.newDisplay) {
    const shown = tslab.newDisplay();
    return async (bundle) => shown.html(bundle['text/html']);
  }
  const deno = denoJupyterOf();
  if (deno) {
    const displayId = `executor-watch-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
    return async (bundle, first) => void (await deno.display(bundle, { raw: true, update: !first, display_id: displayId }));
  }
  let last: string | null = null;
  const out = write ?? ((text: string) => void process.stdout.write(`${text}\n`));
  return async (bundle) => {
    if (bundle['text/plain'] === last) return;
    last = bundle['text/plain'];
    out(last);
  };
}

/**
 * Shows `view()` now and again every `intervalMs` until `signal` aborts; resolves then (never rejects for the abort).
 * @example `await watchView(() => executorBundle(ex), { intervalMs: 2000, signal })`
 */
export async function watchView(view: () => Promise<MimeBundle>, options: WatchOptions & { intervalMs: number }): Promise<void> {
  const sink = sinkFor(options.write);
  const signal = options.signal;
  for (let first = true; !signal?.aborted; first = false) {
    await sink(await view(), first);
    if (signal?.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => { clearTimeout(timer); resolve(); };
      const timer = setTimeout(() => { signal?.removeEventListener('abort', done); resolve(); }, options.intervalMs);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
