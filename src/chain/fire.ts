// After a close that fired chains is written: start them here when this process may (it supervises, or no supervisor
// runs; in a cluster, no supervising host is alive); otherwise a supervisor's inbox pass picks the chain up. The inbox
// registers itself here (`setChainProcessor`): run/close.ts, which calls `fireChain`, cannot import it without an
// import cycle.
import { mayHandleEvents } from '../event/elsewhere.js';
import type { Runtime } from '../runtime.js';

/** Handles one inbox entry (`processInboxEntry`: a chain file, or in cluster mode the id of its row). */
export type ChainProcessor = (rt: Runtime, entry: string) => Promise<unknown>;

let processor: ChainProcessor | null = null;
/** Chain starts this process has in flight (`settleChains` waits for them). */
const inFlight = new WeakMap<Runtime, Set<Promise<void>>>();

/** Installs the inbox's entry handler (event/inbox.ts does, when it loads). */
export function setChainProcessor(fn: ChainProcessor): void {
  processor = fn;
}

/**
 * Starts the runs of chain `entry` (the file, or row id, `recordChain` gave) in the background, when this process
 * supervises or no supervisor would; errors are emitted as `error` (the entry stays for the next inbox pass).
 */
export function fireChain(rt: Runtime, entry: string): void {
  const handle = processor;
  if (handle === null) return; // the inbox is not loaded here: a supervisor picks the entry up
  const set = inFlight.get(rt) ?? new Set<Promise<void>>();
  inFlight.set(rt, set);
  const work = (async () => {
    if (await mayHandleEvents(rt)) await handle(rt, entry);
  })().catch((error: unknown) => { rt.emitter.emit('error', error as Error); });
  set.add(work);
  void work.finally(() => set.delete(work));
}

/** Resolves once the chain starts this process has in flight are done. */
export async function settleChains(rt: Runtime): Promise<void> {
  const set = inFlight.get(rt);
  while (set && set.size > 0) await Promise.all([...set]);
}
