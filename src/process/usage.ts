// CPU and memory of whole process trees (each root and its live descendants), from one pass over /proc per sample.
import { CLOCK_TICKS_PER_SECOND } from './clock.js';
import { readBootId, type ProcessIdentity, type ProcStat } from './identity.js';
import { readUsageTable, type ProcUsage, type UsageTable } from './proc-usage.js';
import { descendantsIn, hasProc } from './proc-table.js';

/**
 * Shortest window a cpu% is measured over once a process has been seen: a sample sooner than this after the previous
 * one measures from an earlier reading (or from the process's start), as CPU time only moves in 10 ms ticks.
 */
export const MIN_CPU_WINDOW_MS = 1_000;
/** Percent per unit of CPU time over wall time. */
const PERCENT = 100;
const MS_PER_SECOND = 1_000;

/** CPU and memory of a process tree at one instant, summed over every live process of the tree. */
export interface TreeUsage {
  /**
   * CPU use in percent of one core, summed over the tree (so it may exceed 100 on a multi-core machine). A process
   * the sampler first saw at least {@link MIN_CPU_WINDOW_MS} ago counts its use since an earlier sample (one
   * {@link MIN_CPU_WINDOW_MS} old or a little more); a process seen for the first time (or less than that ago)
   * counts its average since it started.
   */
  cpu: number;
  /** Resident set size in bytes, summed over the tree (pages shared between processes are counted once per process). */
  rss: number;
  /** The pids that were counted: the root first, then its descendants, parents before children. */
  pids: number[];
}

/** A process's CPU time (clock ticks) when a pass started (`performance.now()` ms). */
interface Reading { ticks: number; at: number }

/**
 * What a sampler remembers of one process: the reading its cpu% is measured from (null: from its start), and the
 * oldest reading since, which becomes the reference once it is {@link MIN_CPU_WINDOW_MS} old.
 */
interface CpuHistory { pid: number; startTime: number; ref: Reading | null; next: Reading }

/** A finite, non-negative figure, or 0 (so one odd reading cannot spoil a sum). */
const clean = (value: number): number => (Number.isFinite(value) && value > 0 ? value : 0);

/** CPU % over `ms` milliseconds in which `ticks` clock ticks of CPU time were used. */
const percentOf = (ticks: number, ms: number): number => (ms > 0 ? clean(((ticks / CLOCK_TICKS_PER_SECOND) * MS_PER_SECOND * PERCENT) / ms) : 0);

/** Average CPU % of a process since it started, from a pass that read the uptime (0 when it cannot tell). */
function sinceStart(stat: ProcStat, usage: ProcUsage, table: UsageTable): number {
  if (table.uptime === null) return 0;
  const ageMs = (table.uptime - stat.startTime / CLOCK_TICKS_PER_SECOND) * MS_PER_SECOND;
  // Younger than one tick: too young to measure (the uptime and the start time are both in 10 ms steps).
  return ageMs >= MS_PER_SECOND / CLOCK_TICKS_PER_SECOND ? percentOf(usage.ticks, ageMs) : 0;
}

/** The live processes of `root`'s tree in `table`, root first; null when the root is gone (or its pid was reused). */
function treeOf(table: UsageTable, root: ProcessIdentity): number[] | null {
  if (root.bootId !== readBootId() || table.stats.get(root.pid)?.startTime !== root.startTime) return null;
  return [root.pid, ...descendantsIn(table, [root.pid])];
}

/**
 * Samples the CPU and memory use of process trees: each root and all its live (non-zombie) descendants, summed.
 * One sample is one pass over `/proc/<pid>/stat` of every process (no process spawned), shared by every tree asked
 * for in it: {@link UsageSampler.sampleAll} takes many roots at once, and {@link UsageSampler.sample} calls made in the
 * same tick are answered from one pass too.
 *
 * RSS is stat's resident page count × the page size. CPU time is `utime + stime` in clock ticks of 1/100 s (Linux's
 * USER_HZ, the same for every architecture but Alpha). The sampler keeps a CPU history per process identity (pid and
 * start time, so a reused pid starts afresh): a process seen before counts over the time since an earlier sample
 * at least {@link MIN_CPU_WINDOW_MS} old, one seen for the first time counts its average since it started, which is
 * what a one-shot `executor ls` shows. A process gone from /proc is forgotten at the next sample. Make one per owner (e.g. per
 * Executor); it holds no timers and no open files.
 *
 * Processes that exit, become zombies or are replaced by a reused pid are left out, never an error. Descendants that
 * already exited are not counted, nor is their CPU time. Without /proc (not Linux) every tree samples as null.
 *
 * @example
 * ```ts
 * const sampler = new UsageSampler();
 * const [web, db] = await sampler.sampleAll([webRoot, dbRoot]); // { cpu: 3.2, rss: 187_437_056, pids: [...] } or null
 * const usage = await sampler.sample(webRoot); // a second later: cpu over that second
 * if (usage && usage.rss > limit) restart();
 * ```
 */
export class UsageSampler {
  readonly #history = new Map<string, CpuHistory>();
  #batch: { roots: ProcessIdentity[]; result: Promise<(TreeUsage | null)[]> } | null = null;

  /**
   * Samples `root`'s tree; null when `root` is gone (exited, zombie, or its pid now belongs to another process).
   * Calls made in the same tick share one pass over /proc.
   */
  sample(root: ProcessIdentity): Promise<TreeUsage | null> {
    if (this.#batch === null) {
      const roots: ProcessIdentity[] = [];
      const result = Promise.resolve().then(() => {
        this.#batch = null;
        return this.sampleAll(roots);
      });
      this.#batch = { roots, result };
    }
    const index = this.#batch.roots.push(root) - 1;
    return this.#batch.result.then((all) => all[index] ?? null);
  }

  /**
   * Samples every tree of `roots` from one pass over /proc: one entry per root, in order, null for a root that is gone.
   * With `table`, from that pass (one the caller has just read with `readUsageTable`) instead of a new one.
   */
  async sampleAll(roots: readonly ProcessIdentity[], table?: UsageTable): Promise<(TreeUsage | null)[]> {
    if (roots.length === 0 || !hasProc()) return roots.map(() => null);
    table ??= await readUsageTable();
    const out = roots.map((root) => {
      const pids = treeOf(table, root);
      if (pids === null) return null;
      const usage: TreeUsage = { cpu: 0, rss: 0, pids };
      for (const pid of pids) {
        const stat = table.stats.get(pid)!;
        const own = table.usage.get(pid)!;
        usage.cpu += this.#cpu(stat, own, table);
        usage.rss += own.rss;
      }
      return usage;
    });
    this.#forget(table);
    return out;
  }

  // CPU % of one process: since its reference reading when it has one, else since it started. The reference moves up
  // to the next reading once that is MIN_CPU_WINDOW_MS old (the window is then MIN_CPU_WINDOW_MS to that plus a poll).
  #cpu(stat: ProcStat, own: ProcUsage, table: UsageTable): number {
    const key = `${stat.pid}:${stat.startTime}`;
    const now: Reading = { ticks: own.ticks, at: table.at };
    const history = this.#history.get(key);
    if (history === undefined) {
      this.#history.set(key, { pid: stat.pid, startTime: stat.startTime, ref: null, next: now });
    } else if (now.at - history.next.at >= MIN_CPU_WINDOW_MS) {
      history.ref = history.next;
      history.next = now;
    }
    const ref = history?.ref;
    return ref && ref.at < now.at ? percentOf(now.ticks - ref.ticks, now.at - ref.at) : sinceStart(stat, own, table);
  }

  // Forgets the processes no longer in /proc (exited, or their pid reused).
  #forget(table: UsageTable): void {
    for (const [key, history] of this.#history) {
      if (table.stats.get(history.pid)?.startTime !== history.startTime) this.#history.delete(key);
    }
  }
}

/**
 * Samples one tree with no history: each process counts its average CPU since it started (see {@link UsageSampler}).
 *
 * @param root - Identity of the tree's root process.
 * @returns The summed usage, or null when `root` is gone (exited, zombie, or its pid now belongs to another process).
 * @example
 * ```ts
 * const usage = await sampleTree(readIdentity(pid)!); // { cpu: 0.4, rss: 187_437_056, pids: [pid, …] } or null
 * ```
 */
export async function sampleTree(root: ProcessIdentity): Promise<TreeUsage | null> {
  const [usage] = await new UsageSampler().sampleAll([root]);
  return usage ?? null;
}
