// `logs NAME`: a task's output (readOut / followOut); `log`: the executor log (readLog / followLog).
import type { Command } from 'commander';
import { OutputNotFoundError } from '../../errors.js';
import { DEFAULT_READ_OUT_LINES, type ReadOutOptions } from '../../task/read-options.js';
import type { CliContext } from '../context.js';
import { integerAtLeast } from '../parse.js';
import { CliUsageError } from '../errors.js';


interface LogsFlags { lines: number; follow?: boolean; run?: string; archive?: number; err?: boolean; step?: string; raw?: boolean; json?: boolean }

const LOGS_HELP = `
Examples:
  $ executor logs web                 # the last 50 lines of the current run
  $ executor logs web -n 200 -f       # then follow, across restarts, until Ctrl-C
  $ executor logs web --archive 1     # the previous run's output
  $ executor logs etl --run 20261124-101500-123-a1b2c3 --step load
  $ executor logs web --err           # the separate stderr file (stderr: 'separate')`;

// Prints `lines` then, with -f, every new line until SIGINT/SIGTERM; the follower starts first so nothing is missed.
async function printAndFollow(ctx: CliContext, follow: (signal: AbortSignal) => AsyncIterableIterator<string> | null, read: () => Promise<string[]>): Promise<void> {
  const abort = new AbortController();
  const off = ctx.io.onStopSignal(() => abort.abort());
  try {
    const follower = follow(abort.signal);
    for (const line of await read()) ctx.out(line);
    if (follower) for await (const line of follower) ctx.out(line);
  } finally {
    off();
  }
}

// `-f` streams lines as they come: no single JSON document to print.
function checkFollowJson(flags: { follow?: boolean; json?: boolean }): void {
  if (flags.follow && flags.json) throw new CliUsageError('-f', 'given without --json', true);
}

async function logs(ctx: CliContext, name: string, flags: LogsFlags): Promise<void> {
  if (flags.run !== undefined && flags.archive !== undefined) throw new CliUsageError('--run', 'not given with --archive (pick one output)', flags.run);
  if (flags.follow && (flags.run !== undefined || flags.archive !== undefined)) throw new CliUsageError('-f', 'given without --run or --archive (it follows the current output)', flags.run ?? flags.archive);
  if (flags.follow && flags.step !== undefined) throw new CliUsageError('-f', "given without --step (it follows every step of the program's runs)", flags.step);
  checkFollowJson(flags);
  const ex = ctx.executor();
  if (flags.err) {
    // Without a separate stderr file there is nothing to read (readOut would print nothing): say so, as -f does.
    const row = (await ex.listTasks()).find((r) => r.name === name);
    if (row && row.stderr !== 'separate') throw OutputNotFoundError.noSeparateStderr(name);
  }
  const options: ReadOutOptions = {};
  if (flags.run !== undefined || flags.archive !== undefined) options.run = flags.run ?? flags.archive;
  if (flags.err) options.stream = 'stderr';
  if (flags.step !== undefined) options.step = flags.step;
  if (flags.raw) options.raw = true;
  if (flags.json) return ctx.json(await ex.readOut(name, flags.lines, options));
  const followOptions = { ...(flags.err ? { stream: 'stderr' as const } : {}), ...(flags.raw ? { raw: true } : {}) };
  await printAndFollow(ctx, (signal) => (flags.follow ? ex.followOut(name, { ...followOptions, signal }) : null), () => ex.readOut(name, flags.lines, options));
}

/** Registers `logs` and `log`. */
export function registerLogs(program: Command, ctx: CliContext): void {
  program.command('logs <name>')
    .description("print a task's output (the current run, or an archived one)")
    .option('-n, --lines <n>', 'how many of the last lines', integerAtLeast(0), DEFAULT_READ_OUT_LINES)
    .option('-f, --follow', 'keep printing new lines, across restarts, until Ctrl-C')
    .option('--run <id>', 'the output of this run id (or archive file name)')
    .option('--archive <n>', 'the Nth newest archived output (1 = the previous run)', integerAtLeast(1))
    .option('--err', "the separate stderr output (tasks with stderr: 'separate')")
    .option('--step <step>', "a program's step")
    .option('--raw', 'include the header and footer lines of each run')
    .option('--json', 'print the lines as a JSON array')
    .addHelpText('after', LOGS_HELP)
    .action((name: string, flags: LogsFlags) => logs(ctx, name, flags));
  program.command('log')
    .description('print the executor log (starts, exits, restarts, schedules, errors)')
    .option('-n, --lines <n>', 'how many of the last lines', integerAtLeast(0), DEFAULT_READ_OUT_LINES)
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--json', 'print the lines as a JSON array')
    .addHelpText('after', '\nExamples:\n  $ executor log\n  $ executor log -n 200 -f')
    .action(async (flags: { lines: number; follow?: boolean; json?: boolean }) => {
      checkFollowJson(flags);
      const ex = ctx.executor();
      if (flags.json) return ctx.json(await ex.readLog(flags.lines));
      await printAndFollow(ctx, (signal) => (flags.follow ? ex.followLog({ signal }) : null), () => ex.readLog(flags.lines));
    });
}
