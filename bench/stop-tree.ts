// Issue 12 item 5: stopping a 700-process tree that ignores SIGTERM, and how long the caller's event loop is blocked.
// Goal: the stop takes <= killTimeout + 1 s, and no event-loop block exceeds 50 ms (perf_hooks.monitorEventLoopDelay).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, fmtMs, newExecutor, tempFolder, waitUntil, type Figure } from './lib.js';

/** Processes in the tree (bench/fixtures/big-tree.sh), shim excluded. */
export const PROCESSES = 701;
/** killTimeout of the Executor (ms). */
export const KILL_TIMEOUT_MS = 2_000;
/** Goals. */
export const GOAL_EXTRA_MS = 1_000;
export const GOAL_BLOCK_MS = 50;
const NS_PER_MS = 1e6;

/** Processes started with this executor's marker (`EXECUTOR_ID` in their environment). */
function marked(executorId: string): number {
  let count = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(`EXECUTOR_ID=${executorId}`)) count++;
    } catch { /* gone */ }
  }
  return count;
}

export async function benchStopTree(): Promise<{ figures: Figure[] }> {
  const dir = tempFolder('stoptree');
  const ex = newExecutor(join(dir, 'exec'), { killTimeout: KILL_TIMEOUT_MS });
  await ex.addTask('big', join(FIXTURES, 'big-tree.sh'));
  await ex.startTask('big');
  await waitUntil(() => marked(ex.id) >= PROCESSES + 1, `${PROCESSES} processes to start`, 60_000, 100);
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const t0 = performance.now();
  const result = await ex.stopTask('big');
  const elapsed = performance.now() - t0;
  histogram.disable();
  const left = marked(ex.id);
  if (left > 0 || !result.forced) throw new Error(`stop left ${left} processes (forced: ${result.forced})`);
  const blockMs = histogram.max / NS_PER_MS;
  return {
    figures: [
      {
        figure: `stopTask of a ${PROCESSES}-process tree that ignores SIGTERM (killTimeout ${KILL_TIMEOUT_MS} ms)`,
        ours: fmtMs(elapsed), floor: `${fmtMs(KILL_TIMEOUT_MS)} (killTimeout)`, ratio: `+${fmtMs(elapsed - KILL_TIMEOUT_MS)}`,
        goal: `≤ killTimeout + ${fmtMs(GOAL_EXTRA_MS)}`, pass: elapsed <= KILL_TIMEOUT_MS + GOAL_EXTRA_MS,
        note: `0 of ${PROCESSES + 1} processes left; SIGKILL needed: ${result.forced}`,
      },
      {
        figure: 'Longest event-loop block during that stop (monitorEventLoopDelay max)',
        ours: fmtMs(blockMs), floor: '—', ratio: '—', goal: `≤ ${GOAL_BLOCK_MS} ms`, pass: blockMs <= GOAL_BLOCK_MS,
        note: `p99 ${fmtMs(histogram.percentile(99) / NS_PER_MS)}, mean ${fmtMs(histogram.mean / NS_PER_MS)}`,
      },
    ],
  };
}
