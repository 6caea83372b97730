// 11. The `executor` CLI, each command a fresh process timed from spawn to exit (its output read to the end):
// `--version` against a bare Node start-up; `ls --json` on 100 idle tasks against a Node one-liner that reads and parses
// every tasks/*.json and prints them; `ls` (table) on 100 and 10 tasks, informational; `run NAME --wait` of a task
// printing one line from `sh` against a Node one-liner that spawns the same script, pipes its output and exits with its
// code. Every side runs REPS times after one warm-up, in one round per rep whose order flips every rep.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Executor } from '../dist/index.js';
import { envInt, FIXTURES, fmtMs, killGroup, median, newExecutor, percentile, tempFolder, trackGroup, untrackGroup, type Figure } from './lib.js';

/** Runs of each side, after one warm-up (`BENCH_CLI_REPS`). */
export const REPS = envInt('BENCH_CLI_REPS', 20);
/** Idle tasks in the big and the small folder. */
export const TASKS = 100;
export const FEW_TASKS = 10;
/** How long one command may take before the bench gives up. */
export const COMMAND_TIMEOUT_MS = 30_000;
/** The line the run's script prints. */
export const LINE = 'hello from the cli bench';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'executor.js');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const SLEEPER = join(FIXTURES, 'sleeper.sh');
const taskName = (i: number) => `t${String(i).padStart(3, '0')}`;

// The floors, as `node -e` one-liners (CommonJS, synchronous reads: the least a separate process can do).
const READ_TABLE = "const fs=require('fs'),p=require('path');const d=p.join(process.env.EXECUTOR_FOLDER,'tasks');"
  + "const rows=fs.readdirSync(d).filter((f)=>f.endsWith('.json')).sort().map((f)=>JSON.parse(fs.readFileSync(p.join(d,f),'utf8')));"
  + "process.stdout.write(JSON.stringify(rows,null,2)+'\\n');";
const RUN_SCRIPT = "const c=require('child_process').spawn('sh',[process.argv[1]],{stdio:['ignore','pipe','pipe']});"
  + 'c.stdout.pipe(process.stdout);c.stderr.pipe(process.stderr);c.on(\'close\',(code)=>{process.exitCode=code??1;});';

/** One process to time: its Node arguments, its folder (EXECUTOR_FOLDER) and a check of what it printed. */
interface Side { key: string; args: string[]; folder: string; check: (stdout: string) => boolean }

// Spawns `node ...args` (detached, stdout/stderr piped and read) and resolves once it has exited and its pipes closed.
async function timed(side: Side): Promise<number> {
  const env = { ...process.env, EXECUTOR_FOLDER: side.folder, NO_COLOR: '1' };
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const t0 = performance.now();
  const child = spawn(process.execPath, side.args, { detached: true, env, stdio: ['ignore', 'pipe', 'pipe'] });
  trackGroup(child.pid);
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const timer = setTimeout(() => child.pid !== undefined && killGroup(child.pid), COMMAND_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve, reject) => child.once('close', resolve).once('error', reject)).finally(() => clearTimeout(timer));
  const ms = performance.now() - t0;
  untrackGroup(child.pid);
  const stdout = Buffer.concat(out).toString('utf8');
  if (code !== 0 || !side.check(stdout)) {
    throw new Error(`${side.key}: exit ${code}, unexpected output:\n${stdout.slice(0, 500)}\n${Buffer.concat(err).toString('utf8').slice(0, 500)}`);
  }
  return ms;
}

const jsonRows = (n: number) => (stdout: string): boolean => (JSON.parse(stdout) as unknown[]).length === n;
const tableRows = (n: number) => (stdout: string): boolean => stdout.includes(taskName(n - 1)) && stdout.trim().split('\n').length >= n + 1;

async function fill(ex: Executor, n: number): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => ex.addTask(taskName(i), SLEEPER, { infiniteLoop: false })));
}

/** Builds the folders (through the SDK, nothing started) and the sides, in round order. */
async function setUp(): Promise<Side[]> {
  const dir = tempFolder('cli');
  const [big, few, runs, none] = ['big', 'few', 'run', 'none'].map((f) => join(dir, f)) as [string, string, string, string];
  await fill(newExecutor(big), TASKS);
  await fill(newExecutor(few), FEW_TASKS);
  const script = join(dir, 'hello.sh');
  writeFileSync(script, `echo '${LINE}'\nexit 0\n`);
  await newExecutor(runs).addTask('hello', script, { interpreter: 'sh', infiniteLoop: false });
  const sdk = pathToFileURL(join(ROOT, 'dist', 'index.js')).href;
  const printed = (stdout: string): boolean => stdout.split('\n').includes(LINE);
  return [
    { key: 'version', args: [BIN, '--version'], folder: none, check: (s) => s.trim() === VERSION },
    { key: 'bare', args: ['-e', '0'], folder: none, check: () => true },
    { key: 'import', args: ['--input-type=module', '-e', `await import(${JSON.stringify(sdk)})`], folder: none, check: () => true },
    { key: 'lsJson', args: [BIN, 'ls', '--json'], folder: big, check: jsonRows(TASKS) },
    { key: 'readBig', args: ['-e', READ_TABLE], folder: big, check: jsonRows(TASKS) },
    { key: 'lsBig', args: [BIN, 'ls'], folder: big, check: tableRows(TASKS) },
    { key: 'lsFew', args: [BIN, 'ls'], folder: few, check: tableRows(FEW_TASKS) },
    { key: 'readFew', args: ['-e', READ_TABLE], folder: few, check: jsonRows(FEW_TASKS) },
    { key: 'run', args: [BIN, 'run', 'hello', '--wait'], folder: runs, check: printed },
    { key: 'wrap', args: ['-e', RUN_SCRIPT, script], folder: runs, check: printed },
  ];
}

/** Every side REPS times (after a warm-up), one round per rep, the round's order reversed every other rep; ms by key. */
async function measure(sides: Side[]): Promise<Map<string, number[]>> {
  const times = new Map(sides.map((s) => [s.key, [] as number[]]));
  for (let rep = -1; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const ms = await timed(side);
      if (rep >= 0) times.get(side.key)!.push(ms);
    }
  }
  return times;
}

interface Stats { p50: number; p90: number }
const stats = (v: number[]): Stats => ({ p50: median(v), p90: percentile(v, 90) });
const shown = (s: Stats): string => `${fmtMs(s.p50)} (p90 ${fmtMs(s.p90)})`;
const ratio = (o: Stats, f: Stats): string => `${(o.p50 / f.p50).toFixed(1)}× (+${fmtMs(o.p50 - f.p50)}); p90 ${(o.p90 / f.p90).toFixed(1)}×`;

function row(figure: string, o: Stats, f: Stats, floor: string, note: string): Figure {
  return { figure, ours: shown(o), floor: `${shown(f)} (${floor})`, ratio: ratio(o, f), goal: 'informational', pass: null, note };
}

export async function benchCli(): Promise<{ figures: Figure[] }> {
  const t = await measure(await setUp());
  const s = (key: string): Stats => stats(t.get(key)!);
  const [version, bare, sdk] = [s('version'), s('bare'), s('import')];
  const [lsJson, readBig, lsBig, lsFew, readFew] = [s('lsJson'), s('readBig'), s('lsBig'), s('lsFew'), s('readFew')];
  const [run, wrap] = [s('run'), s('wrap')];
  const beyond = (x: Stats): string => fmtMs(x.p50 - version.p50);
  const load = `1-min load average at the end: ${loadavg()[0]!.toFixed(1)} (${cpus().length} CPUs).`;
  const of = `median of ${REPS}, spawn → exit`;
  return {
    figures: [
      row(`\`executor --version\` (${of})`, version, bare, 'node -e 0',
        `importing the SDK alone (\`node -e "await import('dist/index.js')"\`): ${shown(sdk)}, so ${fmtMs(sdk.p50 - bare.p50)} of the `
        + `${fmtMs(version.p50 - bare.p50)} over bare Node is loading the SDK's modules; the rest is the CLI's own (commander, cli-table3, ora, the commands) and parsing. `
        + `Every command below pays this start-up first. ${load}`),
      row(`\`executor ls --json\`, ${TASKS} idle tasks (${of})`, lsJson, readBig, `node -e: read + JSON.parse ${TASKS} tasks/*.json, print JSON`,
        `${beyond(lsJson)} beyond \`--version\` (opening the Executor, listing the tasks and their live state, printing); the floor reads the same ${TASKS} files.`),
      row(`\`executor ls\` (table), ${TASKS} idle tasks (informational, ${of})`, lsBig, readBig, `the same ${TASKS}-file floor`,
        `${beyond(lsBig)} beyond \`--version\`; ${fmtMs(lsBig.p50 - lsJson.p50)} more than \`ls --json\` (the table).`),
      row(`\`executor ls\` (table), ${FEW_TASKS} idle tasks (informational, ${of})`, lsFew, readFew, `the same floor on ${FEW_TASKS} files`,
        `${beyond(lsFew)} beyond \`--version\`; ${TASKS} tasks cost ${fmtMs(lsBig.p50 - lsFew.p50)} more than ${FEW_TASKS} `
        + `(${fmtMs((lsBig.p50 - lsFew.p50) / (TASKS - FEW_TASKS))} a task).`),
      row(`\`executor run NAME --wait\`, \`sh\` printing one line (${of})`, run, wrap, 'node -e: spawn sh script, pipe its output, exit with its code',
        `${beyond(run)} beyond \`--version\`: runTask (lock, ledger, the shim, the spawn, the header), then followRun reads the output file, `
        + 're-reading the run record while nothing new arrives (up to every 100 ms), until the run has ended; then waitRun. The floor pipes the child\'s output straight through.'),
    ],
  };
}
