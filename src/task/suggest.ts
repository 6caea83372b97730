// "Did you mean …?": the closest task names or run ids to one that was not found.
import { RunNotFoundError, TaskNotFoundError } from '../errors.js';
import type { Runtime } from '../runtime.js';

/** How many names a not-found error suggests at most. */
export const MAX_SUGGESTIONS = 3;
/** A name within this share of the wanted name's length in edits (at least 1 edit) is close: `floor(length / 3)`. */
export const EDITS_PER_CHARACTER = 1 / 3;

/**
 * Damerau-Levenshtein distance (optimal string alignment): the fewest insertions, deletions, substitutions and
 * swaps of two adjacent characters that turn `a` into `b`.
 *
 * @example
 * ```ts
 * editDistance('web', 'wbe'); // 1 (a swap)
 * editDistance('web', 'wed'); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let beforePrev: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, beforePrev[j - 2]! + 1);
      row.push(d);
    }
    beforePrev = prev;
    prev = row;
  }
  return prev[b.length]!;
}

// How close `candidate` is to `wanted` (lower is closer), or null when it is not close at all.
// 0: the same but for case; 1 + edits: within the edit threshold; then names that start with the other (by extra length).
function closeness(wanted: string, candidate: string, maxEdits: number): number | null {
  const w = wanted.toLowerCase();
  const c = candidate.toLowerCase();
  if (w === c) return 0;
  const edits = Math.abs(w.length - c.length) > maxEdits ? Infinity : editDistance(w, c);
  // A name that shares nothing with the wanted one (`a` for `b`) is not close, however short.
  if (edits <= maxEdits && edits < Math.max(w.length, c.length)) return 1 + edits;
  if (c.startsWith(w) || w.startsWith(c)) return 2 + maxEdits + Math.abs(c.length - w.length);
  return null;
}

/**
 * The names of `candidates` closest to `wanted`, closest first, at most `max`: the same name but for case, names within
 * `max(1, floor(length / 3))` edits (insert, delete, substitute, swap two adjacent characters; case ignored), and names
 * that start with `wanted` (or that `wanted` starts with). `wanted` itself is never suggested. Pure.
 *
 * @param wanted - The name that was not found.
 * @param candidates - The names that exist.
 * @param max - Most suggestions. @defaultValue 3
 * @example
 * ```ts
 * closestNames('wbe', ['web', 'worker', 'db']); // ['web']
 * closestNames('Web', ['web', 'webhook']);      // ['web', 'webhook']
 * closestNames('x', ['web']);                   // []
 * ```
 */
export function closestNames(wanted: string, candidates: Iterable<string>, max: number = MAX_SUGGESTIONS): string[] {
  if (wanted.length === 0 || max < 1) return [];
  const maxEdits = Math.max(1, Math.floor(wanted.length * EDITS_PER_CHARACTER));
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of new Set(candidates)) {
    if (name === wanted) continue;
    const score = closeness(wanted, name, maxEdits);
    if (score !== null) scored.push({ name, score });
  }
  scored.sort((a, b) => a.score - b.score || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return scored.slice(0, max).map((s) => s.name);
}

// Every task name the folder knows, readable or not (as the store last saw them: no fresh read).
async function taskNames(rt: Runtime): Promise<string[]> {
  const table = await rt.store.table({ refresh: false });
  return [...table.records.keys(), ...table.errors.keys()];
}

/**
 * A {@link TaskNotFoundError} for `name`, suggesting the closest task names of the folder (unreadable records included).
 * Never fails: without a readable table it suggests nothing.
 *
 * @example
 * ```ts
 * if (!record) throw await taskNotFound(rt, name); // Expected `name` to be an existing task, got "wbe": no such task (did you mean "web"?).
 * ```
 */
export async function taskNotFound(rt: Runtime, name: string): Promise<TaskNotFoundError> {
  const names = await taskNames(rt).catch(() => [] as string[]);
  return new TaskNotFoundError(name, closestNames(name, names));
}

// The run ids in one task's ledger (ended and live runs).
async function runIdsOf(rt: Runtime, task: string): Promise<string[]> {
  return rt.store.listRunIds(task).catch(() => [] as string[]);
}

/**
 * A {@link RunNotFoundError} for `runId`, suggesting the closest run ids of the folder (ended, live and queued runs).
 * Never fails: without a readable folder it suggests nothing.
 *
 * @example
 * ```ts
 * if (!found) throw await runNotFound(rt, runId); // … no such run (did you mean "20261124-101500-123-a1b2c3"?).
 * ```
 */
export async function runNotFound(rt: Runtime, runId: string): Promise<RunNotFoundError> {
  const ids = await (async () => {
    const table = await rt.store.table({ refresh: false });
    const names = [...table.records.keys(), ...table.errors.keys()];
    const queued = [...table.records.values()].flatMap((r) => [
      ...r.state.queue.map((q) => q.runId),
      ...[r.state.run, ...r.state.extraRuns].flatMap((run) => (run ? [run.runId] : [])),
    ]);
    return [...queued, ...(await Promise.all(names.map((n) => runIdsOf(rt, n)))).flat()];
  })().catch(() => [] as string[]);
  return new RunNotFoundError(runId, closestNames(runId, ids));
}
