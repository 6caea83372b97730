// `ls` / `list`, `enable`, `disable`: the task table and switching schedules and restarts on and off.
import type { Command } from 'commander';
import type { TaskRow } from '../../task/rows.js';
import type { CliContext } from '../context.js';
import { renderTaskTable } from '../table.js';

interface ListFlags { tag?: string; json?: boolean }

const LS_HELP = `
Examples:
  $ executor ls
  $ executor ls --tag nightly
  $ executor ls --json | jq '.[] | select(.status == "failed") | .name'

Columns: NAME STATUS PID UPTIME RESTARTS LAST EXIT NEXT RUN CPU MEM.
--json prints listTasks() rows (TaskRow[], see docs/cli.md).`;

/** Prints the task table (or `[]`/a note when the folder does not exist yet: `ls` never creates it). */
async function list(ctx: CliContext, flags: ListFlags): Promise<void> {
  const rows: TaskRow[] = ctx.folderExists() ? await ctx.executor().listTasks(flags.tag === undefined ? {} : { tag: flags.tag }) : [];
  if (flags.json) return ctx.json(rows);
  if (rows.length === 0) return ctx.out(`No tasks in ${ctx.folder}${flags.tag === undefined ? '' : ` tagged ${JSON.stringify(flags.tag)}`}.`);
  ctx.out(renderTaskTable(rows, { now: Date.now(), paint: ctx.paint, width: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined }));
}

/** Registers `ls` (alias `list`), `enable` and `disable`. */
export function registerTasks(program: Command, ctx: CliContext): void {
  program.command('ls').alias('list')
    .description('show the task table')
    .option('--tag <tag>', 'only tasks with this tag')
    .option('--json', 'print the rows as JSON')
    .addHelpText('after', LS_HELP)
    .action((flags: ListFlags) => list(ctx, flags));
  for (const enabled of [true, false]) {
    const verb = enabled ? 'enable' : 'disable';
    program.command(`${verb} <name>`)
      .description(enabled ? 'let the scheduler fire and the supervisor restart the task again' : 'stop firing and restarting the task (a live run is left alone)')
      .option('--json', 'print the task row as JSON')
      .addHelpText('after', `\nExamples:\n  $ executor ${verb} report\n  $ executor ${verb} report --json`)
      .action(async (name: string, flags: { json?: boolean }) => {
        const ex = ctx.executor();
        const row = enabled ? await ex.enableTask(name) : await ex.disableTask(name);
        if (flags.json) ctx.json(row);
        else ctx.out(`${name}: ${verb}d`);
      });
  }
}
