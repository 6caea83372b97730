// `import('executor-sdk')`: what importing the package adds to a bare Node process, in time and in RSS.
// Each side is a fresh `node --input-type=module -e …` run from the package's root (so `executor-sdk` resolves to this
// package through its own `exports`, as a user's import would), printing `process.memoryUsage().rss` as its last act:
// bare Node prints it straight away, ours after `await import('executor-sdk')`. Timed from spawn to exit.
// Informational: `require('pm2')` the same way (PM2_HOME a temp folder, so nothing of the user's is touched).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timedCommand, type Command } from './command.js';
import { envInt, fmtMb, fmtMs, median, tempFolder, type Figure } from './lib.js';

/** Runs of each side, after one warm-up (`BENCH_IMPORT_REPS`). */
export const REPS = envInt('BENCH_IMPORT_REPS', 20);
/** Goals: what the import may add to bare Node. */
export const GOAL_EXTRA_MS = 40;
export const GOAL_EXTRA_BYTES = 8 * 1024 * 1024;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PRINT_RSS = 'process.stdout.write(JSON.stringify({ rss: process.memoryUsage().rss }));';
const rssOf = (stdout: string): number => (JSON.parse(stdout) as { rss: number }).rss;
const isRss = (stdout: string): boolean => Number.isFinite(rssOf(stdout));

interface Sample { ms: number[]; rss: number[] }

export async function benchImport(): Promise<{ figures: Figure[] }> {
  const env = { ...process.env, PM2_HOME: tempFolder('import-pm2') };
  const sides: Command[] = [
    { key: 'bare', args: ['--input-type=module', '-e', PRINT_RSS], cwd: ROOT, env, check: isRss },
    { key: 'sdk', args: ['--input-type=module', '-e', `await import('executor-sdk'); ${PRINT_RSS}`], cwd: ROOT, env, check: isRss },
    { key: 'pm2', args: ['-e', `require('pm2'); ${PRINT_RSS}`], cwd: ROOT, env, check: isRss },
  ];
  const samples = new Map<string, Sample>(sides.map((s) => [s.key, { ms: [], rss: [] }]));
  for (let rep = -1; rep < REPS; rep++) {
    for (const side of rep % 2 === 0 ? sides : [...sides].reverse()) {
      const { ms, stdout } = await timedCommand(side);
      if (rep < 0) continue;
      samples.get(side.key)!.ms.push(ms);
      samples.get(side.key)!.rss.push(rssOf(stdout));
    }
  }
  const m = (key: string, k: keyof Sample): number => median(samples.get(key)![k]);
  const [bareMs, sdkMs, pm2Ms] = [m('bare', 'ms'), m('sdk', 'ms'), m('pm2', 'ms')];
  const [bareRss, sdkRss, pm2Rss] = [m('bare', 'rss'), m('sdk', 'rss'), m('pm2', 'rss')];
  const of = `median of ${REPS}`;
  return {
    figures: [
      {
        figure: `\`import('executor-sdk')\`: time added to bare Node (${of}, spawn → exit)`,
        ours: `${fmtMs(sdkMs)} (+${fmtMs(sdkMs - bareMs)})`, floor: `${fmtMs(bareMs)} (bare node, ESM -e)`,
        pm2: `\`require('pm2')\`: ${fmtMs(pm2Ms)} (+${fmtMs(pm2Ms - bareMs)})`,
        ratio: `+${fmtMs(sdkMs - bareMs)}`, goal: `≤ +${GOAL_EXTRA_MS} ms`, pass: sdkMs - bareMs <= GOAL_EXTRA_MS,
        cause: 'Loading the modules the package\'s entry point imports eagerly.',
      },
      {
        figure: `\`import('executor-sdk')\`: RSS added to bare Node (${of}, read just after the import)`,
        ours: `${fmtMb(sdkRss)} (+${fmtMb(sdkRss - bareRss)})`, floor: `${fmtMb(bareRss)} (bare node)`,
        pm2: `\`require('pm2')\`: ${fmtMb(pm2Rss)} (+${fmtMb(pm2Rss - bareRss)})`,
        ratio: `+${fmtMb(sdkRss - bareRss)}`, goal: `≤ +${fmtMb(GOAL_EXTRA_BYTES)}`, pass: sdkRss - bareRss <= GOAL_EXTRA_BYTES,
        cause: 'The code and heap of the modules loaded at import.',
      },
    ],
  };
}
