// CPU and memory of a whole process tree (the root and its live descendants), through pidusage over /proc.
import pidusage from 'pidusage';
import { isAlive, isDeadState, readProcStat, type ProcessIdentity } from './identity.js';
import { listDescendants } from './tree.js';

/** A {@link UsageSampler} forgets a process it has not sampled for this long (ms), as pidusage does. */
export const HISTORY_TTL_MS = 60_000;
/** Percent per unit of CPU time over wall time. */
const PERCENT = 100;

/** CPU and memory of a process tree at one instant, summed over every live process of the tree. */
export interface TreeUsage {
  /**
   * CPU use in percent of one core, summed over the tree (so it may exceed 100 on a multi-core machine).
   * Each process's share covers the time since its previous sample; a process sampled for the first time counts 0.
   */
  cpu: number;
  /** Resident set size in bytes, summed over the tree (pages shared between processes are counted once per process). */
  rss: number;
  /** The pids that were counted: the root first, then its descendants, parents before children. */
  pids: number[];
}

/** One counted process of a tree: who it is and what pidusage read. */
interface ProcessSample { pid: number; startTime: number; stat: pidusage.Status }

// pidusage's per-pid answer; a pid it could not read is null or missing.
type PidStats = Record<string, pidusage.Status | null | undefined>;

/** Stats of `pids` from pidusage; a pid that vanished (or any failure) yields no entry rather than an error. */
async function statsOf(pids: number[]): Promise<PidStats> {
  try {
    // A copy: pidusage rewrites the array it is given. With several pids, it reports a failed one as null.
    return (await pidusage([...pids])) as PidStats;
  } catch {
    return {}; // with a single pid, a vanished process rejects: nothing to count
  }
}

/** True when `pid` is still the live (non-zombie) process that started at `startTime`. */
function stillSame(pid: number, startTime: number): boolean {
  const stat = readProcStat(pid);
  return stat !== null && !isDeadState(stat.state) && stat.startTime === startTime;
}

/**
 * Reads the live processes of `root`'s tree with pidusage, root first; null when the root is gone before or during it.
 * A process that exits, turns zombie or is replaced by a reused pid meanwhile is left out, as is one pidusage cannot read.
 */
async function collectTree(root: ProcessIdentity): Promise<ProcessSample[] | null> {
  if (!isAlive(root)) return null;
  const startTimes = new Map<number, number>([[root.pid, root.startTime]]);
  for (const pid of listDescendants(root.pid)) {
    const stat = readProcStat(pid);
    if (stat && !isDeadState(stat.state)) startTimes.set(pid, stat.startTime);
  }
  const stats = await statsOf([...startTimes.keys()]);
  if (!isAlive(root)) return null;
  const samples: ProcessSample[] = [];
  for (const [pid, startTime] of startTimes) {
    const stat = stats[pid];
    if (stat && stillSame(pid, startTime)) samples.push({ pid, startTime, stat });
  }
  return samples;
}

/** A finite, non-negative reading, or 0 (so one odd reading cannot spoil a sum). */
const clean = (value: number): number => (Number.isFinite(value) && value > 0 ? value : 0);

/**
 * Samples the CPU and memory use of `root` and all its live descendants ({@link listDescendants}), summed.
 *
 * CPU percentages are pidusage's: it keeps a history per pid, shared by every caller in this Node process and expiring
 * 60 s after a pid's last read, so each process's share covers the time since pidusage last read that pid, whoever
 * asked. For a history of your own (per process identity, immune to other callers), use {@link UsageSampler}.
 * This function keeps no state of its own.
 *
 * Processes that exit, become zombies or are replaced by a reused pid while the tree is sampled are left out, never an
 * error; so is a pid pidusage cannot read (it rereads a pid through a descriptor kept from its previous read, so a pid
 * reused within its 60 s history stays unreadable until that history expires). Descendants that already exited are
 * not counted, nor is their CPU time.
 *
 * @param root - Identity of the tree's root process.
 * @returns The summed usage, or null when `root` is gone (exited, zombie, or its pid now belongs to another process).
 * @example
 * ```ts
 * const root = readIdentity(pid)!;
 * await sampleTree(root); // primes pidusage's CPU history for the tree's pids
 * // …later:
 * const usage = await sampleTree(root); // { cpu: 103.2, rss: 187_437_056, pids: [pid, …] } or null
 * ```
 */
export async function sampleTree(root: ProcessIdentity): Promise<TreeUsage | null> {
  const samples = await collectTree(root);
  if (!samples) return null;
  const usage: TreeUsage = { cpu: 0, rss: 0, pids: [] };
  for (const { pid, stat } of samples) {
    usage.cpu += clean(stat.cpu);
    usage.rss += clean(stat.memory);
    usage.pids.push(pid);
  }
  return usage;
}

/** What a sampler remembers of one process: its CPU time and age at the last sample. */
interface CpuMark { ctimeMs: number; elapsedMs: number; seenAt: number }

/**
 * Samples process trees like {@link sampleTree}, but keeps its own CPU history, keyed by process identity (pid and
 * start time): each process's CPU share covers the time since this sampler last saw it, whatever other samplers or
 * pidusage callers do, and a reused pid starts a fresh history. A process it has not seen for {@link HISTORY_TTL_MS}
 * is forgotten. Make one per owner (e.g. per Executor); it holds no timers and no open files.
 *
 * @example
 * ```ts
 * const sampler = new UsageSampler();
 * await sampler.sample(root); // first sight of each process: cpu 0
 * // …a poll later:
 * const usage = await sampler.sample(root);
 * if (usage && usage.rss > limit) restart();
 * ```
 */
export class UsageSampler {
  readonly #marks = new Map<string, CpuMark>();

  /** Samples `root`'s tree; null when `root` is gone. See {@link sampleTree} for what is counted. */
  async sample(root: ProcessIdentity): Promise<TreeUsage | null> {
    const samples = await collectTree(root);
    const now = performance.now();
    this.#forget(now);
    if (!samples) return null;
    const usage: TreeUsage = { cpu: 0, rss: 0, pids: [] };
    for (const { pid, startTime, stat } of samples) {
      usage.cpu += this.#cpu(`${pid}:${startTime}`, stat, now);
      usage.rss += clean(stat.memory);
      usage.pids.push(pid);
    }
    return usage;
  }

  // CPU % of one process since this sampler's previous sample of it (0 at first sight); records the new mark.
  #cpu(key: string, stat: pidusage.Status, now: number): number {
    const previous = this.#marks.get(key);
    this.#marks.set(key, { ctimeMs: stat.ctime, elapsedMs: stat.elapsed, seenAt: now });
    if (!previous) return 0;
    // Both readings count from the process's start on the kernel's clock, so their deltas share a time base.
    const wallMs = stat.elapsed - previous.elapsedMs;
    return wallMs > 0 ? clean(((stat.ctime - previous.ctimeMs) / wallMs) * PERCENT) : 0;
  }

  #forget(now: number): void {
    for (const [key, mark] of this.#marks) if (now - mark.seenAt > HISTORY_TTL_MS) this.#marks.delete(key);
  }
}
