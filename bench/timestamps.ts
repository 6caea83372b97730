// 8. Timestamp-mode throughput: a child writing MIB MiB of 100-byte lines, run as a task with `timestamps: true`
// (its output goes through a writer process that prefixes every line with its ISO time) against the same task in the
// default fd mode (the child writes to the output file through the descriptor it was given).
// Both: startTask() -> the task's `exit` event. Floor: spawn(`sh -c 'node line-writer.mjs > file'`) -> 'exit'.
// Quick run: BENCH_TIMESTAMPS_MB=16 npm run bench.
import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Executor } from '../dist/index.js';
import { FIXTURES, fmtMs, lines, median, newExecutor, nowMs, tempFolder, type Figure, nextExit } from './lib.js';

/** MiB written per run (`BENCH_TIMESTAMPS_MB`), rounded down to whole lines. */
export const MIB = Number.isInteger(Number(process.env.BENCH_TIMESTAMPS_MB)) && Number(process.env.BENCH_TIMESTAMPS_MB) > 0
  ? Number(process.env.BENCH_TIMESTAMPS_MB) : 128;
/** Bytes per line, newline included. */
export const LINE_BYTES = 100;
/** Runs per side (median reported), after one warm-up run of each. */
export const ROUNDS = 3;
/** The least a stamp can add to a line (an ISO time is 24 characters); used to check that lines were stamped. */
export const MIN_STAMP_BYTES = 20;

const SCRIPT = join(FIXTURES, 'line-writer.mjs');
const LINES = Math.floor((MIB * 1024 * 1024) / LINE_BYTES);
const BYTES = LINES * LINE_BYTES;
const MB = BYTES / 1024 / 1024;

/** One run (ms): end to end, and the child's own writing time (its first line to its last write, stamped by the child). */
interface Run { total: number; writing: number }

function runOf(stamps: string, t0: number, t1: number): Run {
  const [first, end] = lines(stamps).at(-1)!.split(' ').map(Number) as [number, number];
  return { total: t1 - t0, writing: end - first };
}

const childEnv = (stamps: string) => ({ BENCH_LINES: String(LINES), BENCH_LINE_BYTES: String(LINE_BYTES), BENCH_STAMPS: stamps });

async function shellRound(dir: string): Promise<Run> {
  const file = join(dir, 'shell.txt');
  const stamps = join(dir, 'shell.stamps');
  const t0 = nowMs();
  const child = spawn('/bin/sh', ['-c', 'exec "$0" "$1" > "$2"', process.execPath, SCRIPT, file], { env: { ...process.env, ...childEnv(stamps) }, stdio: 'ignore' });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const run = runOf(stamps, t0, nowMs());
  if (code !== 0 || statSync(file).size !== BYTES) throw new Error(`shell writer failed (code ${code}, ${statSync(file).size} bytes)`);
  rmSync(file);
  return run;
}

/** One startTask -> exit event run of `name`; checks the output's size (stamped or not) and removes it. */
async function taskRound(ex: Executor, name: string, stamps: string, stamped: boolean): Promise<Run> {
  const exited = nextExit(ex, name);
  const t0 = nowMs();
  await ex.startTask(name);
  const code = await exited;
  const run = runOf(stamps, t0, nowMs());
  const out = join(ex.folder, `${name}.txt`);
  const size = statSync(out).size;
  // The output may also hold a header and a footer; stamped, every line carries at least MIN_STAMP_BYTES more.
  const least = BYTES + (stamped ? LINES * MIN_STAMP_BYTES : 0);
  if (code !== 0 || size < least) throw new Error(`${name} failed (code ${code}, ${size} bytes, expected at least ${least}${stamped ? ': were the lines stamped?' : ''})`);
  rmSync(out);
  return run;
}

export async function benchTimestamps(): Promise<{ figures: Figure[]; fd: number; stamped: number; shell: number }> {
  const dir = tempFolder('timestamps');
  const ex = newExecutor(join(dir, 'folder'));
  const stamps = { fd: join(dir, 'fd.stamps'), ts: join(dir, 'ts.stamps') };
  await ex.addTask('fdmode', SCRIPT, { infiniteLoop: false, header: false, env: childEnv(stamps.fd) });
  await ex.addTask('stamped', SCRIPT, { infiniteLoop: false, header: false, env: childEnv(stamps.ts), timestamps: true });
  const shell: Run[] = [];
  const fd: Run[] = [];
  const ts: Run[] = [];
  // Warm-up (page cache, first Node start, the writer's first start), then alternate so drift hits every side alike.
  await shellRound(dir);
  await taskRound(ex, 'fdmode', stamps.fd, false);
  await taskRound(ex, 'stamped', stamps.ts, true);
  for (let i = 0; i < ROUNDS; i++) {
    shell.push(await shellRound(dir));
    fd.push(await taskRound(ex, 'fdmode', stamps.fd, false));
    ts.push(await taskRound(ex, 'stamped', stamps.ts, true));
  }
  const total = (runs: Run[]) => median(runs.map((r) => r.total));
  const writing = (runs: Run[]) => median(runs.map((r) => r.writing));
  const [s, f, t] = [total(shell), total(fd), total(ts)];
  const rate = (ms: number) => `${(MB / (ms / 1000)).toFixed(0)} MiB/s`;
  const lineRate = (ms: number) => `${(LINES / (ms / 1000) / 1e6).toFixed(2)} M lines/s`;
  return {
    fd: f, stamped: t, shell: s,
    figures: [{
      figure: `Timestamp-mode throughput, ${MB.toFixed(0)} MiB of ${LINE_BYTES}-byte lines, startTask → exit event (median of ${ROUNDS}; ratio = timestamps / fd mode)`,
      ours: `${rate(t)} (${fmtMs(t)}, ${lineRate(t)})`, floor: `${rate(f)} fd mode; ${rate(s)} sh redirect`, ratio: `${(f / t).toFixed(2)} of fd mode (${(s / t).toFixed(2)} of sh)`,
      goal: 'informational', pass: null,
      note: `end to end, medians: timestamps ${fmtMs(t)}, fd mode ${fmtMs(f)}, sh redirect ${fmtMs(s)}. The child's own writing time, medians: `
        + `timestamps ${fmtMs(writing(ts))}, fd mode ${fmtMs(writing(fd))}, sh redirect ${fmtMs(writing(shell))} `
        + `(in timestamps mode the child writes into a pipe, so back-pressure from the stamping writer shows here too).`,
    }, {
      figure: `The same ${MB.toFixed(0)} MiB in fd mode against a shell redirect (ratio = fd mode / sh)`,
      ours: `${rate(f)} (${fmtMs(f)})`, floor: `${rate(s)} (${fmtMs(s)}, sh redirect)`, ratio: `${(s / f).toFixed(2)}`,
      goal: 'informational', pass: null,
    }],
  };
}
