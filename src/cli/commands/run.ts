// `run NAME [--wait]`: one run now (streaming its output with --wait); `run --file jobs.txt`: runner-style backfills.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { CliUsageError, InvalidOptionError, RunFailedError } from '../../errors.js';
import type { RunRecord } from '../../store/records.js';
import type { RunTaskOptions } from '../../task/manual.js';
import type { CliContext } from '../context.js';
import { EXIT_FAILED } from '../errors.js';
import { formatElapsed, formatRunExit } from '../format.js';
import { integerAtLeast, jsonValue } from '../parse.js';
import { startProgress } from '../progress.js';

interface RunFlags { trigger?: string; data?: unknown; wait?: boolean; json?: boolean; file?: string; concurrency?: number }

const HELP = `
Examples:
  $ executor run report                       # prints the run id
  $ executor run report --wait                # streams the output, exits with the run's exit code
  $ executor run load --trigger 2019-01-01T08:00:00 --data '{"full":true}'
  $ executor run --file jobs.txt --concurrency 2   # lines of "name [trigger]", e.g. "load 2019-01-01/08:00:00"`;

/** The failure of a finished run, or null when it succeeded (the CLI exits with the run's code, else 1). */
export function runFailure(run: RunRecord): RunFailedError | null {
  if (run.status === 'succeeded') return null;
  const exit = formatRunExit(run);
  const code = run.exitCode !== null && run.exitCode > 0 ? run.exitCode : EXIT_FAILED;
  return new RunFailedError(run.runId, run.task, `status ${run.status}${exit === '-' ? '' : `, exit ${exit}`}`, code);
}

function summary(run: RunRecord): string {
  return `run ${run.runId} of ${run.task}: ${run.status}, exit ${formatRunExit(run)} after ${formatElapsed(run.startedAt, run.endedAt, Date.now())}`;
}

// Streams the run's lines to stdout until it ends (or SIGINT/SIGTERM: the run goes on), then reports it.
async function waitAndStream(ctx: CliContext, runId: string, json: boolean): Promise<void> {
  const ex = ctx.executor();
  const abort = new AbortController();
  const off = ctx.io.onStopSignal(() => abort.abort());
  try {
    if (!json) for await (const line of ex.followRun(runId, { signal: abort.signal })) ctx.out(line);
    if (abort.signal.aborted) return ctx.err(`executor: stopped waiting; run ${runId} goes on (see: executor show ${runId})`);
    const progress = json ? startProgress(ctx, `waiting for run ${runId}`) : null;
    const run = await ex.waitRun(runId).finally(() => progress?.stop());
    const failure = runFailure(run);
    if (json) ctx.json(run);
    else if (!failure) ctx.err(summary(run));
    if (failure) throw failure;
  } finally {
    off();
  }
}

async function runFile(ctx: CliContext, flags: RunFlags): Promise<void> {
  const file = resolve(ctx.io.cwd, flags.file!);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidOptionError('--file', 'a readable jobs file', `${file} (${error.code ?? error.message})`);
  });
  const progress = startProgress(ctx, `running the jobs of ${flags.file}`);
  const runs = await ctx.executor().runTasks(text, { concurrency: flags.concurrency ?? 1 }).finally(() => progress.stop());
  if (flags.json) ctx.json(runs);
  else for (const run of runs) ctx.out(`${run.task} ${run.runId} ${run.status} exit ${formatRunExit(run)}`);
  if (runs.some((r) => r.status !== 'succeeded')) ctx.exitCode = EXIT_FAILED;
}

/** Registers `run`. */
export function registerRun(program: Command, ctx: CliContext): void {
  program.command('run [name]')
    .description('run a task once now (next to a live run, if any), or the lines of a jobs file')
    .option('--trigger <iso>', 'the date the run is made for (EXECUTOR_TRIGGER), e.g. 2019-01-01T08:00:00')
    .option('--data <json>', "the run's data, as JSON", jsonValue)
    .option('--wait', "stream the output and exit with the run's exit code")
    .option('--file <jobs>', 'run the "name [trigger]" lines of a file, in order')
    .option('--concurrency <n>', 'with --file: runs at once', integerAtLeast(1))
    .option('--json', 'print JSON: { runId }, the run record with --wait, or the records with --file')
    .addHelpText('after', HELP)
    .action(async (name: string | undefined, flags: RunFlags) => {
      if (flags.file !== undefined) {
        if (name !== undefined) throw new CliUsageError('run --file', 'given without a task name (the file names the tasks)', name);
        return runFile(ctx, flags);
      }
      if (name === undefined) throw new CliUsageError('run', 'given a task name (or --file JOBS)', '');
      if (flags.concurrency !== undefined) throw new CliUsageError('--concurrency', 'given only with --file', flags.concurrency);
      const options: RunTaskOptions = {};
      if (flags.trigger !== undefined) options.trigger = flags.trigger;
      if (flags.data !== undefined) options.data = flags.data;
      const runId = await ctx.executor().runTask(name, options);
      if (!flags.wait) return flags.json ? ctx.json({ runId }) : ctx.out(runId);
      if (!flags.json) ctx.err(`run ${runId} of ${name} started`);
      await waitAndStream(ctx, runId, flags.json === true);
    });
}
