// Ctrl-C in a Node REPL ends the SDK's followers and waits in progress, so nothing goes on printing into the prompt.
// The REPL rejects the pending `await` itself (breakEvalOnSigint); this ends what that await had started.
import { createRequire } from 'node:module';

/** What a REPL server offers here: its `SIGINT` event (Ctrl-C typed at the REPL, in raw mode). */
export interface SigintSource {
  on(event: 'SIGINT' | 'exit', listener: () => void): unknown;
}

/** A signal aborted by the next Ctrl-C typed at a REPL of this process. */
export interface ReplInterrupt {
  /** Aborted (reason: an `AbortError`) by the next Ctrl-C. */
  signal: AbortSignal;
  /** Stops listening: call it once the follower or wait has ended. */
  release(): void;
}

const nodeRequire = createRequire(import.meta.url);
const watched = new WeakSet<object>();
const open = new Set<object>();
const pending = new Set<AbortController>();

function interruptAll(reason: DOMException): void {
  const controllers = [...pending];
  pending.clear();
  for (const c of controllers) c.abort(reason);
}

function onSigint(): void {
  interruptAll(new DOMException('Interrupted by Ctrl-C in the REPL', 'AbortError'));
}

// tslab ends the interrupted cell itself ("Interrupted asynchronously"), Deno ends it once what it awaited ends: the
// followers end quietly and the waits reject, as in a REPL.
function onKernelSigint(): void {
  interruptAll(new DOMException('Interrupted: the notebook kernel was interrupted (SIGINT)', 'AbortError'));
}

/**
 * Makes Ctrl-C at `server` (a `node:repl` REPLServer) end every follower and wait of the SDK in progress.
 * `executor repl` calls it; Node's own REPL (`node`, then `await import('executor-sdk')`) is found by itself.
 * @example `watchReplInterrupts(repl.start({ breakEvalOnSigint: true }));`
 */
export function watchReplInterrupts(server: SigintSource): void {
  if (watched.has(server)) return;
  watched.add(server);
  open.add(server);
  server.on('SIGINT', onSigint);
  server.on('exit', () => open.delete(server));
}

// Node's own interactive REPL is `require('node:repl').repl` (set only when Node runs as a REPL).
function watchNodeRepl(): void {
  const server = (nodeRequire('node:repl') as { repl?: SigintSource }).repl;
  if (server) watchReplInterrupts(server);
}

// A notebook kernel (tslab, Deno) interrupts a cell by a SIGINT to the kernel's process group: tslab ends the awaited
// cell but what it awaited would go on, and Deno ends nothing, so SIGINT ends the SDK's followers and waits there.
// The listener is added from a microtask, never while a cell's synchronous part runs (tslab runs cells with vm's
// breakOnSigint, and a SIGINT listener added then makes the next interrupt kill the kernel).
let kernelListening = false;

// True in a notebook kernel whose interrupt is a SIGINT to this process: tslab's (`globalThis.__tslab__`), or Deno's
// (`Deno.jupyter`, which throws outside `deno jupyter`; with no SIGINT listener at all, an interrupt kills that kernel).
function inKernel(): boolean {
  if ((globalThis as { __tslab__?: unknown }).__tslab__ !== undefined) return true;
  try {
    return (globalThis as { Deno?: { jupyter?: unknown } }).Deno?.jupyter !== undefined;
  } catch {
    return false;
  }
}

function watchKernel(): void {
  if (kernelListening || !inKernel()) return;
  kernelListening = true;
  queueMicrotask(() => process.on('SIGINT', onKernelSigint));
}

/**
 * A signal for one follower or wait, aborted by the next Ctrl-C at a REPL or interrupt of a notebook kernel; null when
 * this process runs neither.
 */
export function replInterrupt(): ReplInterrupt | null {
  watchNodeRepl();
  watchKernel();
  if (open.size === 0 && !kernelListening) return null;
  const controller = new AbortController();
  pending.add(controller);
  return { signal: controller.signal, release: () => pending.delete(controller) };
}

// Options with a signal that also aborts on `extra`; options that are not a plain object (or a bad signal) are kept
// as they are, so the call they go to reports them.
function withSignal<O>(options: O, extra: AbortSignal): O | null {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) return null;
  const own = (options as { signal?: unknown } | undefined)?.signal;
  if (own !== undefined && !(own instanceof AbortSignal)) return null;
  return { ...options, signal: own === undefined ? extra : AbortSignal.any([own, extra]) } as O;
}

// A follower that ends (done) at once on Ctrl-C: a value read just before it is dropped, and the inner one is closed.
function cutOnInterrupt<T>(inner: AsyncIterableIterator<T>, stop: ReplInterrupt): AsyncIterableIterator<T> {
  const finish = (): IteratorResult<T> => {
    stop.release();
    inner.return?.().catch(() => undefined); // not awaited: an async generator runs it after its pending next()
    return { done: true, value: undefined };
  };
  return {
    next() {
      if (stop.signal.aborted) return Promise.resolve(finish());
      return new Promise<IteratorResult<T>>((resolve, reject) => {
        const onAbort = (): void => resolve(finish());
        stop.signal.addEventListener('abort', onAbort, { once: true });
        inner.next().then((item) => {
          stop.signal.removeEventListener('abort', onAbort);
          if (stop.signal.aborted) return resolve(finish());
          if (item.done) stop.release();
          resolve(item);
        }, (error: unknown) => {
          stop.signal.removeEventListener('abort', onAbort);
          stop.release();
          if (stop.signal.aborted) resolve(finish());
          else reject(error);
        });
      });
    },
    async return(value?: unknown) {
      stop.release();
      return (await inner.return?.(value)) ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

// What ends a follower or wait besides its own signal: Ctrl-C at a REPL of this process, and `also` (the Executor's
// close()); null when neither can happen.
function stopsFor(also: AbortSignal | undefined): ReplInterrupt | null {
  const repl = replInterrupt();
  if (also === undefined) return repl;
  if (repl === null) return { signal: also, release: () => undefined };
  return { signal: AbortSignal.any([repl.signal, also]), release: repl.release };
}

/**
 * `make(options)`, a follower that Ctrl-C at a REPL of this process, or `also` aborting, also ends (with neither:
 * `make(options)` as is).
 * @example `return interruptibleFollow(options, (o) => followFile(file, o), closing.signal);`
 */
export function interruptibleFollow<O, T>(options: O, make: (options: O) => AsyncIterableIterator<T>, also?: AbortSignal): AsyncIterableIterator<T> {
  const stop = stopsFor(also);
  const combined = stop && withSignal(options, stop.signal);
  if (!stop || !combined) {
    stop?.release();
    return make(options);
  }
  try {
    return cutOnInterrupt(make(combined), stop);
  } catch (error) {
    stop.release();
    throw error;
  }
}

/**
 * `wait(options)` with a signal that Ctrl-C at a REPL of this process, or `also` aborting, also aborts (then it
 * rejects with an `AbortError`); with neither, `wait(options)` as is.
 */
export async function interruptibleWait<O, T>(options: O, wait: (options: O) => Promise<T>, also?: AbortSignal): Promise<T> {
  const stop = stopsFor(also);
  const combined = stop && withSignal(options, stop.signal);
  try {
    return await wait(combined ?? options);
  } finally {
    stop?.release();
  }
}

