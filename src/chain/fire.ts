// After a close that fired chains is written: start them here when this process may (it supervises, or no supervisor
// runs); otherwise the supervisor's inbox picks the chain file up (its watcher wakes it at once). The inbox registers
// itself here (`setChainProcessor`): run/close.ts, which calls `fireChain`, cannot import it without an import cycle.
import { supervisedElsewhere } from '../event/elsewhere.js';
import type { Runtime } from '../runtime.js';

/** Handles one inbox file (`processEvent`). */
export type ChainProcessor = (rt: Runtime, file: string) => Promise<unknown>;

let processor: ChainProcessor | null = null;
/** Chain starts this process has in flight (`settleChains` waits for them). */
const inFlight = new WeakMap<Runtime, Set<Promise<void>>>();

/** Installs the inbox's file handler (event/inbox.ts does, when it loads). */
export function setChainProcessor(fn: ChainProcessor): void {
  processor = fn;
}

/**
 * Starts the runs of chain file `file` (written by `recordChain`) in the background, when this process supervises or
 * no supervisor runs elsewhere; errors are emitted as `error` (the file stays for the next inbox pass).
 */
export function fireChain(rt: Runtime, file: string): void {
  const handle = processor;
  if (handle === null) return; // the inbox is not loaded here: a supervisor picks the file up
  const set = inFlight.get(rt) ?? new Set<Promise<void>>();
  inFlight.set(rt, set);
  const work = (async () => {
    if (rt.supervisor !== null || !(await supervisedElsewhere(rt))) await handle(rt, file);
  })().catch((error: unknown) => { rt.emitter.emit('error', error as Error); });
  set.add(work);
  void work.finally(() => set.delete(work));
}

/** Resolves once the chain starts this process has in flight are done. */
export async function settleChains(rt: Runtime): Promise<void> {
  const set = inFlight.get(rt);
  while (set && set.size > 0) await Promise.all([...set]);
}
