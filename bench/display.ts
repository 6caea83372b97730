// The notebook views with 1,000 tasks: `status()` against the `listTasks()` it formats, the HTML of its table (pure
// rendering; goal ≤ 20 ms), and `close()` of an Executor that supervises, follows and waits.
import { join } from 'node:path';
import { JUPYTER_DISPLAY, type Executor, type MimeBundle } from '../dist/index.js';
import { FIXTURES, fmtMs, median, newExecutor, tempFolder, type Figure } from './lib.js';

/** Tasks in the folder (`BENCH_DISPLAY_TASKS`; the goal is set for 1,000). */
export const TASKS = Number(process.env.BENCH_DISPLAY_TASKS ?? 1_000);
/** Calls measured of each (median), after one warm-up. */
export const CALLS = 20;
/** Goal: rendering the HTML of TASKS rows. */
export const GOAL_RENDER_MS = 20;

const SCRIPT = join(FIXTURES, 'sleeper.sh');
const BATCH = 250;

async function fill(ex: Executor): Promise<void> {
  for (let from = 0; from < TASKS; from += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, TASKS - from) }, (_, j) => ex.addTask(`task-${String(from + j).padStart(4, '0')}`, SCRIPT, { infiniteLoop: false })));
  }
}

async function timed(fn: () => unknown): Promise<number[]> {
  const times: number[] = [];
  for (let i = -1; i < CALLS; i++) {
    const t0 = performance.now();
    await fn();
    if (i >= 0) times.push(performance.now() - t0);
  }
  return times;
}

export async function benchDisplay(): Promise<{ figures: Figure[] }> {
  const folder = join(tempFolder('display'), 'folder');
  const ex = newExecutor(folder);
  await fill(ex);
  const list = median(await timed(() => ex.listTasks()));
  const status = median(await timed(() => ex.status()));
  const table = await ex.status();
  const render = median(await timed(() => (table[JUPYTER_DISPLAY]() as MimeBundle)['text/html'].length));
  const json = median(await timed(() => JSON.stringify(table).length));
  const closes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const other = newExecutor(folder);
    const sup = other.keepRestarting({ sleep: 60 });
    await sup.ready;
    const follower = (async () => { for await (const line of other.followLog()) void line; })();
    const t0 = performance.now();
    await other.close();
    closes.push(performance.now() - t0);
    await follower;
  }
  return {
    figures: [
      {
        figure: `status() with ${TASKS} tasks (median of ${CALLS})`, ours: fmtMs(status), floor: `${fmtMs(list)} (listTasks())`,
        ratio: `${(status / list).toFixed(2)}× (+${fmtMs(status - list)})`, goal: 'informational', pass: null,
      },
      {
        figure: `HTML of the status table, ${TASKS} tasks (median of ${CALLS})`, ours: fmtMs(render), floor: `${fmtMs(json)} (JSON.stringify of the rows)`,
        ratio: `${(render / json).toFixed(1)}× JSON`, goal: `≤ ${GOAL_RENDER_MS} ms`, pass: render <= GOAL_RENDER_MS,
        note: 'escaped cells and inline-styled badges, as `display(ex.status())` sends them to the kernel.',
      },
      {
        figure: 'close() of an Executor that supervises and follows the log (median of 5)', ours: fmtMs(median(closes)), floor: '—',
        ratio: '—', goal: 'informational', pass: null, note: 'stops its keepRestarting (the lease is let go), ends the follower, flushes the log.',
      },
    ],
  };
}
