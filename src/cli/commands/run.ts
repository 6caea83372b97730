// `run NAME [--wait]`: one run now (streaming its output with --wait); `run --file jobs.txt`: runner-style backfills.
import type { Command } from 'commander';
import { OutputNotFoundError, WorkingDirectoryNotFoundError } from '../../errors.js';
import type { RunRecord } from '../../store/records.js';
import type { RunTaskOptions } from '../../task/manual.js';
import type { CliContext } from '../context.js';
import { CliUsageError, EXIT_FAILED, RunFailedError } from '../errors.js';
import { formatElapsed, formatRunExit } from '../../display/format.js';
import { integerAtLeast, jsonValue, readFlagFile } from '../parse.js';
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

// Every line of one stream of the run, to `write`; a task without separate stderr has no stderr stream.
async function pump(lines: AsyncIterableIterator<string>, write: (line: string) => void): Promise<void> {
  try {
    for await (const line of lines) write(line);
  } catch (error) {
    if (!(error instanceof OutputNotFoundError)) throw error;
  }
}

// Streams the run's output (stdout, and a separate stderr to stderr) until it ends, then reports it. SIGINT/SIGTERM
// stop waiting (exit 0): the run goes on.
async function waitAndStream(ctx: CliContext, runId: string, json: boolean): Promise<void> {
  const ex = ctx.executor();
  const abort = new AbortController();
  const off = ctx.io.onStopSignal(() => abort.abort());
  const progress = json ? startProgress(ctx, `waiting for run ${runId}`) : null;
  try {
    if (!json) {
      await Promise.all([
        pump(ex.followRun(runId, { signal: abort.signal }), (line) => ctx.out(line)),
        pump(ex.followRun(runId, { signal: abort.signal, stream: 'stderr' }), (line) => ctx.err(line)),
      ]);
    }
    const run = await ex.waitRun(runId, { signal: abort.signal }).catch((error: unknown) => { if (abort.signal.aborted) return null; throw error; });
    if (run === null) return ctx.err(`executor: stopped waiting; run ${runId} goes on (see: executor show ${runId})`);
    const failure = runFailure(run);
    if (json) ctx.json(run);
    else if (!failure) ctx.err(summary(run));
    if (failure) throw failure;
  } finally {
    progress?.stop();
    off();
  }
}

async function runFile(ctx: CliContext, flags: RunFlags): Promise<void> {
  const { text } = await readFlagFile('--file', flags.file!, ctx.io.cwd, 'a readable jobs file');
  const progress = startProgress(ctx, `running the jobs of ${flags.file}`);
  const options = flags.concurrency === undefined ? {} : { concurrency: flags.concurrency };
  const runs = await ctx.executor().runTasks(text, options).finally(() => progress.stop());
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
        const given = (['trigger', 'data', 'wait'] as const).filter((k) => flags[k] !== undefined);
        if (given.length > 0) throw new CliUsageError('run --file', 'given without --trigger, --data or --wait (each line is one run, waited for)', given.map((k) => `--${k}`).join(' '));
        return runFile(ctx, flags);
      }
      if (name === undefined) throw new CliUsageError('run', 'given a task name (or --file JOBS)', '');
      if (flags.concurrency !== undefined) throw new CliUsageError('--concurrency', 'given only with --file', flags.concurrency);
      const options: RunTaskOptions = {};
      if (flags.trigger !== undefined) options.trigger = flags.trigger;
      if (flags.data !== undefined) options.data = flags.data;
      const runId = await ctx.executor().runTask(name, options).catch((error: unknown) => {
        if (error instanceof WorkingDirectoryNotFoundError) ctx.operationFailed = true; // gone since `add`: not a value typed now
        throw error;
      });
      if (!flags.wait) return flags.json ? ctx.json({ runId }) : ctx.out(runId);
      if (!flags.json) ctx.err(`run ${runId} of ${name} started`);
      await waitAndStream(ctx, runId, flags.json === true);
    });
}
