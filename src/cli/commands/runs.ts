// `runs [NAME]`, `show RUN_ID`, `save RUN_ID --name N`, `cancel RUN_ID`: run history.
import type { Command } from 'commander';
import { InvalidOptionError } from '../../errors.js';
import { DEFAULT_LIST_RUNS_LIMIT, RUN_STATUSES, type ListRunsOptions } from '../../run/query.js';
import type { RunStatus } from '../../store/records.js';
import type { CliContext } from '../context.js';
import { integerAtLeast } from '../parse.js';
import { renderRunDetails, renderRunTable } from '../table.js';

interface RunsFlags { status?: string; saved?: boolean; limit?: number; json?: boolean }

const RUNS_HELP = `
Examples:
  $ executor runs etl
  $ executor runs etl --status failed --limit 5
  $ executor runs --saved --json`;

async function runs(ctx: CliContext, name: string | undefined, flags: RunsFlags): Promise<void> {
  if (flags.status !== undefined && !RUN_STATUSES.includes(flags.status as RunStatus)) {
    throw new InvalidOptionError('--status', `one of ${RUN_STATUSES.join(', ')}`, flags.status);
  }
  const options: ListRunsOptions = {};
  if (name !== undefined) options.task = name;
  if (flags.status !== undefined) options.status = flags.status as RunStatus;
  if (flags.saved) options.saved = true;
  if (flags.limit !== undefined) options.limit = flags.limit;
  const list = await ctx.executor().listRuns(options);
  if (flags.json) return ctx.json(list);
  if (list.length === 0) return ctx.out(name === undefined ? 'No runs.' : `No runs of ${name}.`);
  ctx.out(renderRunTable(list, { now: Date.now(), paint: ctx.paint }));
}

/** Registers `runs`, `show`, `save` and `cancel`. */
export function registerRuns(program: Command, ctx: CliContext): void {
  program.command('runs [name]')
    .description("list a task's runs (or every task's), newest first")
    .option('--status <status>', `only runs with this status (${RUN_STATUSES.join(', ')})`)
    .option('--saved', 'only saved runs')
    .option('--limit <n>', `at most this many (default ${DEFAULT_LIST_RUNS_LIMIT})`, integerAtLeast(1))
    .option('--json', 'print the run records as JSON')
    .addHelpText('after', RUNS_HELP)
    .action((name: string | undefined, flags: RunsFlags) => runs(ctx, name, flags));
  program.command('show <runId>')
    .description('show one run, with its steps')
    .option('--json', 'print the run record as JSON')
    .addHelpText('after', '\nExamples:\n  $ executor show 20261124-101500-123-a1b2c3\n  $ executor show 20261124-101500-123-a1b2c3 --json')
    .action(async (runId: string, flags: { json?: boolean }) => {
      const run = await ctx.executor().getRun(runId);
      if (flags.json) ctx.json(run);
      else ctx.out(renderRunDetails(run, { now: Date.now(), paint: ctx.paint }));
    });
  program.command('save <runId>')
    .description('pin a run: it and its output are never pruned')
    .requiredOption('--name <name>', 'a name for the saved run')
    .option('--description <text>', 'a description')
    .option('--json', 'print the run record as JSON')
    .addHelpText('after', '\nExamples:\n  $ executor save 20261124-101500-123-a1b2c3 --name "before the fix" --description "bad rows in load"')
    .action(async (runId: string, flags: { name: string; description?: string; json?: boolean }) => {
      const run = await ctx.executor().saveRun(runId, { name: flags.name, ...(flags.description === undefined ? {} : { description: flags.description }) });
      if (flags.json) ctx.json(run);
      else ctx.out(`run ${runId}: saved as ${JSON.stringify(flags.name)}`);
    });
  program.command('cancel <runId>')
    .description("cancel a run: a queued one is dropped, a live one's process tree is stopped")
    .option('--json', 'print the run record as JSON')
    .addHelpText('after', '\nExamples:\n  $ executor cancel 20261124-101500-123-a1b2c3')
    .action(async (runId: string, flags: { json?: boolean }) => {
      const run = await ctx.executor().cancelRun(runId);
      if (flags.json) ctx.json(run);
      else ctx.out(`run ${runId}: ${run.status}`);
    });
}
