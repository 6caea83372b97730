// Which `after` links a run's end fires, pure: the outcome a link asks for, the tasks downstream, nextRuns' words.
import type { ChainLink, ChainOn, TaskSpec } from '../store/records.js';

/** How a run ended, for chains: a stopped run (stopTask, cancelRun, replaced by overlap) has no outcome and fires none. */
export type ChainOutcome = 'success' | 'failure';

/**
 * True when a link with `on` fires for a run that ended with `outcome`.
 * @example `linkFires('end', 'failure') // true`
 */
export function linkFires(on: ChainOn, outcome: ChainOutcome): boolean {
  return on === 'end' || on === outcome;
}

/**
 * The tasks (sorted) with an `after` link to `upstream` that fires for `outcome`.
 * @example `chainTargets([report], 'load', 'success') // ['report'] when report has after: [{ task: 'load', on: 'success' }]`
 */
export function chainTargets(specs: Iterable<TaskSpec>, upstream: string, outcome: ChainOutcome): string[] {
  const out: string[] = [];
  for (const spec of specs) if ((spec.after ?? []).some((l) => l.task === upstream && linkFires(l.on, outcome))) out.push(spec.name);
  return out.sort();
}

/**
 * The links of `after` to `upstream` that fire for `outcome` (a task may chain after one task twice, e.g. on success and on failure).
 * @example `firingLinks([{ task: 'load', on: 'end' }], 'load', 'success') // [{ task: 'load', on: 'end' }]`
 */
export function firingLinks(after: readonly ChainLink[] | undefined, upstream: string, outcome: ChainOutcome): ChainLink[] {
  return (after ?? []).filter((l) => l.task === upstream && linkFires(l.on, outcome));
}

/**
 * How `nextRuns` words a task's chains: `after load` (on success), `after load (on failure)`, `after load (on end)`.
 * @example `chainWords([{ task: 'load', on: 'success' }]) // ['after load']`
 */
export function chainWords(after: readonly ChainLink[] | undefined): string[] {
  return (after ?? []).map((l) => (l.on === 'success' ? `after ${l.task}` : `after ${l.task} (on ${l.on})`));
}
