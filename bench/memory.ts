// 7. RSS of the supervising process while 100 tasks run under keepRestarting.
// The supervisor runs in a fresh plain-Node process (bench/fixtures/supervise-rss.mjs, importing dist/), so the
// bench's own heap and tsx do not count. Floor: a bare Node process. Also measured: the same supervisor with 0
// tasks, which gives the cost per supervised task.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES, fmtMb, lines, pidAlive, tempFolder, type Figure } from './lib.js';

/** Tasks supervised. */
export const TASKS = 100;
/** PM2 7's daemon with no app, as measured in the issue (bytes): our goal is to stay under it with 100 tasks. */
export const PM2_DAEMON_BYTES = 69 * 1024 * 1024;
/** PM2 7's memory per app, as measured in the issue (bytes). */
export const PM2_PER_APP_BYTES = 9 * 1024 * 1024;

const run = promisify(execFile);

interface Sample { rss: number; maxRss: number; heapUsed: number; running: number; shimRss: number }

async function supervise(n: number): Promise<Sample> {
  const dir = tempFolder(`rss${n}`);
  const ready = join(dir, 'ready');
  try {
    const { stdout } = await run(process.execPath, [join(FIXTURES, 'supervise-rss.mjs'), join(dir, 'folder'), String(n), join(FIXTURES, 'sleeper.mjs'), ready], { timeout: 120_000 });
    const sample = JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample;
    if (sample.running !== n) throw new Error(`only ${sample.running} of ${n} tasks were running`);
    return sample;
  } finally {
    // The fixture stops its tasks; this is a safety net should it have failed half-way.
    for (const pid of lines(ready).map(Number)) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

async function bareRss(importing?: string): Promise<number> {
  const { stdout } = await run(process.execPath, [join(FIXTURES, 'bare-rss.mjs'), ...(importing ? [importing] : [])]);
  return (JSON.parse(stdout) as { rss: number }).rss;
}

export async function benchMemory(): Promise<{ figures: Figure[]; ours: number; floor: number; perTask: number; empty: number }> {
  const bare = await bareRss();
  const withExeca = await bareRss('execa');
  const withPackage = await bareRss('../../dist/index.js');
  const empty = await supervise(0);
  const full = await supervise(TASKS);
  const perTask = (full.rss - empty.rss) / TASKS;
  return {
    ours: full.rss, floor: bare, perTask, empty: empty.rss,
    figures: [{
      figure: `Supervisor RSS with ${TASKS} running tasks (keepRestarting)`,
      ours: fmtMb(full.rss), floor: `${fmtMb(bare)} (bare node)`, ratio: `${(full.rss / bare).toFixed(2)}× (+${fmtMb(full.rss - bare)})`,
      goal: `< PM2 7 at this load (${fmtMb(PM2_DAEMON_BYTES + TASKS * PM2_PER_APP_BYTES)})`, pass: full.rss < PM2_DAEMON_BYTES + TASKS * PM2_PER_APP_BYTES,
      note: `supervisor with 0 tasks: ${fmtMb(empty.rss)}, so ${(perTask / 1024).toFixed(0)} KB a task; peak while sampling ${fmtMb(full.maxRss)}; `
        + `heap used ${fmtMb(full.heapUsed)}. Just importing the package: ${fmtMb(withPackage)}, of which importing execa alone: +${fmtMb(withExeca - bare)} over bare node. `
        + `Each task also has its own \`sh\` shim process (RSS ${fmtMb(full.shimRss)} each, mostly shared pages; not counted above).`,
    }],
  };
}
