// What runs leave behind when their main process exits (a script that daemonized), stopped in batches: one /proc
// snapshot serves every run that ended in the same short window, so a supervisor closing a hundred runs a second does
// not scan /proc a hundred times, and no close waits for a scan.
import { leftovers } from '../process/members.js';
import { orphanCheck } from '../process/orphans.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun } from '../store/records.js';
import { runIdentity, runMarker, stopRun } from './tree.js';

/** How long a batch collects ended runs before one /proc snapshot checks them all. */
export const REAP_BATCH_MS = 100;

interface Ended { name: string; run: CurrentRun; notBefore: number; spawnedHere: boolean }

/**
 * Collects runs that ended with a known exit and stops what each left running (unless its task keeps orphans),
 * within about {@link REAP_BATCH_MS}. Its timer keeps Node alive until the batch is done, so a script that exits
 * right after its task does not leave the task's daemons behind.
 */
export class LeftoverReaper {
  readonly #rt: () => Runtime;
  #queue: Ended[] = [];
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> = Promise.resolve();

  constructor(rt: () => Runtime) {
    this.#rt = rt;
  }

  /**
   * Queues `run` of task `name`, which ended at `notBefore` (epoch ms): what it left was alive then. A run this process
   * spawned (`spawnedHere`) is first looked at cheaply (its group, the new orphans), and scanned only if that finds any.
   */
  enqueue(name: string, run: CurrentRun, notBefore: number, spawnedHere = false): void {
    this.#queue.push({ name, run, notBefore, spawnedHere });
    if (this.#timer !== null) return; // the batch being collected takes it
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const batch = this.#queue.splice(0);
      // A failed batch is reported and does not stop the next ones.
      this.#running = this.#running.then(() => this.#reap(batch)).catch((error: unknown) => { this.#rt().emitter.emit('error', error as Error); });
    }, REAP_BATCH_MS);
  }

  async #reap(all: Ended[]): Promise<void> {
    const mayHaveLeftovers = orphanCheck(); // one look at the orphans for the whole batch
    const batch = all.filter((e) => !e.spawnedHere || mayHaveLeftovers(runIdentity(e.run)));
    if (batch.length === 0) return;
    const rt = this.#rt();
    const notBefore = Math.max(...batch.map((e) => e.notBefore));
    await rt.procs.tableSince(notBefore); // one snapshot for the whole batch
    await Promise.all(batch.map(async ({ name, run }) => {
      try {
        const left = await leftovers({ root: runIdentity(run), marker: runMarker(rt, run), checked: new Map(), cache: rt.procs }, notBefore);
        if (left.length === 0) return;
        rt.log(`Stopping what ${name} (run ${run.runId}) left running (pids ${left.map((m) => m.id.pid).join(', ')})`);
        await stopRun(rt, run);
      } catch (error) {
        rt.emitter.emit('error', error as Error, { name });
      }
    }));
  }
}
