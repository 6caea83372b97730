// One loop stops every run this process is stopping: each look at /proc (one pass over the stat files, each environment
// read once) serves all of them, so a hundred stops at once (`stopAll`) cost one walk per look, not a hundred; all
// trees are signalled in the same look, and waited for together.
import { membersOfAll, readMarkersAhead, type BatchScope } from './batch-members.js';
import { rootStatusIn, type Member } from './members.js';
import { ProcCache } from './proc-cache.js';
import { readProcTableSliced, type BusyTime, type ProcTable } from './proc-table.js';
import { forceStep, refresh, signalVerified, terminate, type StopState } from './stop-steps.js';

/** Outcome of one run's stop. */
export interface StopOutcome {
  /** False when nothing of the run was alive (or the root's pid is a stranger's and no marked process is left). */
  signalled: boolean;
  /** True when SIGKILL was needed. */
  forced: boolean;
}

/** A look at /proc may take at most this share of the time between looks (a big table is looked at less often). */
export const MAX_SCAN_SHARE = 0.5;

/** One run being stopped by the loop. */
interface Stopping extends StopState {
  killTimeoutMs: number;
  pollMs: number;
  deadline: number;
  rootAloneSince: number | undefined;
  resolve: (outcome: StopOutcome) => void;
  reject: (error: unknown) => void;
}


let looks = 0;

/** How many looks at /proc the stops of this process have made so far (one per round, however many runs it served). */
export function stopLooks(): number {
  return looks;
}

const NOT_SIGNALLED: StopOutcome = Object.freeze({ signalled: false, forced: false });

/**
 * The stops in progress, looked at together. A stop joins before a look starts, so the first look it gets was read
 * after it was asked for: every process alive then is in it.
 */
export class StopLoop {
  #joining: Stopping[] = [];
  #active: Stopping[] = [];
  #running = false;
  #wake: (() => void) | null = null;
  // Environments read once per process (one never changes after exec); each look forgets the processes gone since.
  readonly #environs = new ProcCache();

  /**
   * Stops the processes of `scope` (SIGTERM; SIGKILL after `killTimeoutMs`); resolves once all are gone.
   *
   * @example
   * ```ts
   * const { signalled, forced } = await loop.stop({ root, marker }, 5_000, 20);
   * ```
   */
  stop(scope: BatchScope, killTimeoutMs: number, pollMs: number): Promise<StopOutcome> {
    return new Promise((resolve, reject) => {
      this.#joining.push({ scope, pending: new Map(), killed: new Set(), forced: false, killTimeoutMs, pollMs, deadline: Infinity, rootAloneSince: undefined, resolve, reject });
      if (this.#wake) this.#wake();
      else if (!this.#running) {
        this.#running = true;
        // Stops asked for in the same turn share the first look.
        setImmediate(() => void this.#run());
      }
    });
  }

  async #run(): Promise<void> {
    let quick = false;
    try {
      for (;;) {
        // The look's cost is the time its slices kept the event loop busy, not its wall time: with other work
        // interleaved between its slices (a stopAll's record writes), the wall time grows while the look costs the same.
        const busy: BusyTime = { ms: 0 };
        const signalled = await this.#look(busy);
        if (this.#joining.length === 0 && this.#active.length === 0) return;
        // Trees just signalled are usually gone at once: the look after a SIGTERM comes right away whatever the look
        // cost, but never twice in a row (stops joining one by one must not keep /proc walked back to back).
        quick = signalled && !quick;
        await this.#pause(busy.ms / MAX_SCAN_SHARE, quick);
      }
    } catch (error) {
      for (const s of [...this.#joining.splice(0), ...this.#active.splice(0)]) s.reject(error);
    } finally {
      this.#running = false;
    }
  }

  // Waits `pollMs` (the shortest asked for) and at least `minMs` (the look's share), except: only `minMs` once a new stop
  // is waiting, not at all when `quick` (right after a SIGTERM).
  #pause(minMs: number, quick: boolean): Promise<void> {
    const pollMs = Math.min(...this.#active.map((s) => s.pollMs));
    const since = performance.now();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#wake = null;
        resolve();
      };
      let timer = setTimeout(done, this.#joining.length > 0 ? minMs : quick ? 0 : Math.max(pollMs, minMs));
      this.#wake = () => {
        clearTimeout(timer);
        timer = setTimeout(done, Math.max(0, minMs - (performance.now() - since)));
        this.#wake = () => undefined; // already shortened
      };
    });
  }

  // One look: one /proc pass for every stop; new stops are signalled, the others checked and, past their deadline,
  // forced. True when it signalled new trees.
  async #look(busy: BusyTime): Promise<boolean> {
    const joined = this.#joining.splice(0);
    const ongoing = this.#active.length;
    const all = [...this.#active, ...joined];
    looks++;
    const table = await readProcTableSliced(busy);
    const scopes = all.map((s) => s.scope);
    await readMarkersAhead(scopes, table, this.#environs, busy);
    const started = performance.now();
    const members = membersOfAll(scopes, table, this.#environs);
    this.#environs.forgetGone(table);
    const now = Date.now();
    const active: Stopping[] = [];
    let begun = false;
    for (const [i, s] of all.entries()) {
      try {
        const going = i < ongoing ? await this.#check(s, members[i]!, table, now) : await this.#begin(s, members[i]!, table);
        if (going) active.push(s);
        begun ||= going && i >= ongoing;
      } catch (error) {
        s.reject(error);
      }
    }
    this.#active = active;
    busy.ms += performance.now() - started;
    return begun;
  }

  // A new stop: SIGTERM to what is there (false when nothing is).
  async #begin(s: Stopping, members: Map<number, Member>, table: ProcTable): Promise<boolean> {
    refresh(s, members, table);
    if (s.pending.size === 0) {
      s.resolve(NOT_SIGNALLED);
      return false;
    }
    await terminate(s, rootStatusIn(s.scope.root, table));
    s.deadline = Date.now() + s.killTimeoutMs;
    return true;
  }

  // A stop under way: done once all is gone; past its deadline, SIGKILL.
  async #check(s: Stopping, members: Map<number, Member>, table: ProcTable, now: number): Promise<boolean> {
    for (const m of refresh(s, members, table)) if (m.id.pid === s.taskChild) signalVerified(m.id, 'SIGTERM');
    if (s.pending.size === 0) {
      s.resolve({ signalled: true, forced: s.forced });
      return false;
    }
    if (now >= s.deadline) s.rootAloneSince = await forceStep(s, s.rootAloneSince, now);
    return true;
  }
}
