// The `executor` CLI against bare Node and against PM2's CLI, each command a fresh process timed from spawn to exit
// (its output read to the end). `ls --json` and `ls` run on TASKS running tasks (`sh` scripts that sleep) while PM2's
// daemon, in its own temporary PM2_HOME, runs TASKS apps of the same script: `pm2 jlist`, `pm2 ls` and `pm2 --version`
// are timed against that running daemon (every PM2 command connects to it first; its start is not timed). Also
// `--version` and `--help` against `node -e 0`; informational: `ls --json` on TASKS idle tasks against a Node
// one-liner that reads every tasks/*.json, and `run NAME --wait` against a one-liner that spawns the same script.
// Every side runs REPS times after one warm-up, in one round per rep whose order flips every rep.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Executor } from '../dist/index.js';
import { timedCommand, type Command } from './command.js';
import { envInt, FIXTURES, fmtMs, median, newExecutor, percentile, tempFolder, waitUntil, type Figure } from './lib.js';
import { openPm2, PM2_BIN, type Pm2Session } from './pm2.js';

/** Runs of each side, after one warm-up (`BENCH_CLI_REPS`). */
export const REPS = envInt('BENCH_CLI_REPS', 20);
/** Tasks in each folder, and PM2 apps (`BENCH_CLI_TASKS`; the goals are set for 100). */
export const TASKS = envInt('BENCH_CLI_TASKS', 100);
/** The line the run's script prints. */
export const LINE = 'hello from the cli bench';
/** Goals. */
export const GOAL_LS_PM2_RATIO = 0.5;
export const GOAL_LS_EXTRA_MS = 80;
export const GOAL_TABLE_EXTRA_MS = 20;
export const GOAL_START_RATIO = 1.5;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'executor.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
/** A running task's script: `exec sleep 600` under `sh`. */
export const SLEEP_SCRIPT = join(FIXTURES, 'sleep-long.sh');
const taskName = (i: number) => `t${String(i).padStart(3, '0')}`;

// The floor of the idle listing, as a `node -e` one-liner (CommonJS, synchronous reads: the least a separate process can do).
const READ_TABLE = "const fs=require('fs'),p=require('path');const d=p.join(process.env.EXECUTOR_FOLDER,'tasks');"
  + "const rows=fs.readdirSync(d).filter((f)=>f.endsWith('.json')).sort().map((f)=>JSON.parse(fs.readFileSync(p.join(d,f),'utf8')));"
  + "process.stdout.write(JSON.stringify(rows,null,2)+'\\n');";
const RUN_SCRIPT = "const c=require('child_process').spawn('sh',[process.argv[1]],{stdio:['ignore','pipe','pipe']});"
  + 'c.stdout.pipe(process.stdout);c.stderr.pipe(process.stderr);c.on(\'close\',(code)=>{process.exitCode=code??1;});';

const jsonRows = (n: number) => (stdout: string): boolean => (JSON.parse(stdout) as unknown[]).length === n;
const running = (n: number) => (stdout: string): boolean => {
  const rows = JSON.parse(stdout) as { status?: string }[];
  return rows.length === n && rows.every((r) => r.status === 'running');
};
const pm2Online = (n: number) => (stdout: string): boolean => {
  const json = stdout.split('\n').find((line) => line.startsWith('['));
  const apps = JSON.parse(json ?? '[]') as { pm2_env?: { status?: string } }[];
  return apps.length === n && apps.every((a) => a.pm2_env?.status === 'online');
};
const tableRows = (n: number) => (stdout: string): boolean => stdout.includes(taskName(n - 1)) && stdout.trim().split('\n').length >= n + 1;

async function fill(ex: Executor, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => ex.addTask(taskName(i), SLEEP_SCRIPT, { interpreter: 'sh', infiniteLoop: false })));
}

/** Starts TASKS apps of the sleeping script under PM2 and waits until `pm2 jlist` shows them all online. */
async function startPm2Apps(pm2: Pm2Session): Promise<void> {
  const file = pm2.ecosystem(Array.from({ length: TASKS }, (_, i) => ({ name: taskName(i), script: SLEEP_SCRIPT, interpreter: 'sh' })), 'cli');
  await pm2.cli(['start', file]);
  await waitUntil(async () => pm2Online(TASKS)((await pm2.cli(['jlist'])).stdout), `${TASKS} PM2 apps online`, 60_000, 200);
}

/** Builds the folders (through the SDK), starts the running ones and PM2's apps, and returns the sides in round order. */
async function setUp(pm2: Pm2Session): Promise<{ sides: Command[]; live: Executor }> {
  const dir = tempFolder('cli');
  const [busy, idle, runs, none] = ['busy', 'idle', 'run', 'none'].map((f) => join(dir, f)) as [string, string, string, string];
  const live = newExecutor(busy);
  await fill(live, TASKS);
  const started = await live.startAll();
  if (started.some((r) => r.result !== 'started')) throw new Error(`startAll: ${JSON.stringify(started.find((r) => r.result !== 'started'))}`);
  await fill(newExecutor(idle), TASKS);
  const script = join(dir, 'hello.sh');
  writeFileSync(script, `echo '${LINE}'\nexit 0\n`);
  await newExecutor(runs).addTask('hello', script, { interpreter: 'sh', infiniteLoop: false });
  await startPm2Apps(pm2);
  const ours = (folder: string) => ({ ...process.env, EXECUTOR_FOLDER: folder, NO_COLOR: '1' });
  const theirs = { ...pm2.env, NO_COLOR: '1' };
  const printed = (stdout: string): boolean => stdout.split('\n').includes(LINE);
  return {
    live,
    sides: [
      { key: 'bare', args: ['-e', '0'], env: ours(none) },
      { key: 'version', args: [BIN, '--version'], env: ours(none), check: (s) => s.trim() === VERSION },
      { key: 'help', args: [BIN, '--help'], env: ours(none), check: (s) => s.includes('Usage') },
      { key: 'lsJson', args: [BIN, 'ls', '--json'], env: ours(busy), check: running(TASKS) },
      { key: 'lsTable', args: [BIN, 'ls'], env: ours(busy), check: tableRows(TASKS) },
      { key: 'pm2Jlist', args: [PM2_BIN, 'jlist'], env: theirs, cwd: pm2.home, check: pm2Online(TASKS) },
      { key: 'pm2Ls', args: [PM2_BIN, 'ls'], env: theirs, cwd: pm2.home, check: (s) => s.includes(taskName(TASKS - 1)) },
      { key: 'pm2Version', args: [PM2_BIN, '--version'], env: theirs, cwd: pm2.home, check: (s) => s.trim().length > 0 },
      { key: 'lsIdle', args: [BIN, 'ls', '--json'], env: ours(idle), check: jsonRows(TASKS) },
      { key: 'readIdle', args: ['-e', READ_TABLE], env: ours(idle), check: jsonRows(TASKS) },
      { key: 'run', args: [BIN, 'run', 'hello', '--wait'], env: ours(runs), check: printed },
      { key: 'wrap', args: ['-e', RUN_SCRIPT, script], env: ours(runs), check: printed },
    ],
  };
}

/** Every side REPS times (after a warm-up), one round per rep, the round's order reversed every other rep; ms by key. */
async function measure(sides: Command[]): Promise<Map<string, number[]>> {
  const times = new Map(sides.map((s) => [s.key, [] as number[]]));
  for (let rep = -1; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const { ms } = await timedCommand(side);
      if (rep >= 0) times.get(side.key)!.push(ms);
    }
  }
  return times;
}

interface Stats { p50: number; p90: number }
const stats = (v: number[]): Stats => ({ p50: median(v), p90: percentile(v, 90) });
const shown = (s: Stats): string => `${fmtMs(s.p50)} (p90 ${fmtMs(s.p90)})`;
const times = (o: Stats, f: Stats): string => `${(o.p50 / f.p50).toFixed(2)}× (+${fmtMs(o.p50 - f.p50)})`;

export async function benchCli(): Promise<{ figures: Figure[] }> {
  const pm2 = await openPm2('cli');
  let live: Executor | null = null;
  let t: Map<string, number[]>;
  try {
    const setup = await setUp(pm2);
    live = setup.live;
    t = await measure(setup.sides);
  } finally {
    await live?.stopAll();
    await pm2.close();
  }
  const s = (key: string): Stats => stats(t.get(key)!);
  const [bare, version, help, lsJson, lsTable] = [s('bare'), s('version'), s('help'), s('lsJson'), s('lsTable')];
  const [jlist, pm2Ls, pm2Version, lsIdle, readIdle, run, wrap] = [s('pm2Jlist'), s('pm2Ls'), s('pm2Version'), s('lsIdle'), s('readIdle'), s('run'), s('wrap')];
  const load = `1-min load average at the end: ${loadavg()[0]!.toFixed(1)} (${cpus().length} CPUs).`;
  const of = `median of ${REPS}, spawn → exit`;
  const startRow = (figure: string, o: Stats, pm2Figure: string): Figure => ({
    figure, ours: shown(o), floor: `${shown(bare)} (node -e 0)`, pm2: pm2Figure, ratio: times(o, bare),
    goal: `≤ ${GOAL_START_RATIO}× node -e 0`, pass: o.p50 <= GOAL_START_RATIO * bare.p50,
    cause: 'Node start-up plus loading the CLI\'s modules: see the `import` rows for what the SDK itself adds.',
  });
  return {
    figures: [
      {
        figure: `\`executor ls --json\`, ${TASKS} running tasks (${of})`,
        ours: shown(lsJson), floor: `${shown(bare)} (node -e 0)`, pm2: `${shown(jlist)} (\`pm2 jlist\`, ${TASKS} apps)`,
        ratio: `${(lsJson.p50 / jlist.p50).toFixed(2)}× pm2 jlist; node -e 0 + ${fmtMs(lsJson.p50 - bare.p50)}`,
        goal: `≤ ${GOAL_LS_PM2_RATIO}× pm2 jlist and ≤ node -e 0 + ${GOAL_LS_EXTRA_MS} ms`,
        pass: lsJson.p50 <= GOAL_LS_PM2_RATIO * jlist.p50 && lsJson.p50 - bare.p50 <= GOAL_LS_EXTRA_MS,
        note: `each of our ${TASKS} tasks is \`sh sleep-long.sh\` (\`exec sleep 600\`), started by \`startAll()\` and left running; `
          + `PM2 runs ${TASKS} apps of the same script (\`interpreter: 'sh'\`), and \`pm2 jlist\` asks its running daemon, which samples `
          + `each app's cpu and memory. \`ls --json\` beyond \`--version\`: ${fmtMs(lsJson.p50 - version.p50)}. ${load}`,
        cause: 'Start-up (see `--version`) plus reading the task records and sampling the running tasks\' cpu and memory.',
      },
      {
        figure: `\`executor ls\` (table), ${TASKS} running tasks (${of})`,
        ours: shown(lsTable), floor: `${shown(lsJson)} (\`executor ls --json\`)`, pm2: `${shown(pm2Ls)} (\`pm2 ls\`)`,
        ratio: `+${fmtMs(lsTable.p50 - lsJson.p50)}`, goal: `≤ ls --json + ${GOAL_TABLE_EXTRA_MS} ms`,
        pass: lsTable.p50 - lsJson.p50 <= GOAL_TABLE_EXTRA_MS,
        cause: 'Rendering the table (its formatting modules load on top of what `ls --json` needs).',
      },
      startRow(`\`executor --version\` (${of})`, version, `${shown(pm2Version)} (\`pm2 --version\`, daemon running)`),
      startRow(`\`executor --help\` (${of})`, help, '—'),
      {
        figure: `\`executor ls --json\`, ${TASKS} idle tasks (informational, ${of})`,
        ours: shown(lsIdle), floor: `${shown(readIdle)} (node -e: read + JSON.parse ${TASKS} tasks/*.json, print JSON)`,
        ratio: times(lsIdle, readIdle), goal: 'informational', pass: null,
        note: `${fmtMs(lsIdle.p50 - version.p50)} beyond \`--version\`; with ${TASKS} running tasks instead (the first row): ${fmtMs(lsJson.p50)}.`,
      },
      {
        figure: `\`executor run NAME --wait\`, \`sh\` printing one line (informational, ${of})`,
        ours: shown(run), floor: `${shown(wrap)} (node -e: spawn sh script, pipe its output, exit with its code)`,
        ratio: times(run, wrap), goal: 'informational', pass: null,
        note: `${fmtMs(run.p50 - version.p50)} beyond \`--version\`: runTask (lock, ledger, the shim, the spawn, the header), then followRun `
          + 'reads the output file until the run has ended; then waitRun. The floor pipes the child\'s output straight through.',
      },
    ],
  };
}
