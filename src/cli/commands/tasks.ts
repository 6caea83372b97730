// `ls` / `list`, `enable`, `disable`: the task table and switching schedules and restarts on and off.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { listCommand, type ListFlags } from './list.js';

const LS_HELP = `
Examples:
  $ executor ls
  $ executor ls --tag nightly
  $ executor ls --json | jq '.[] | select(.status == "failed") | .name'

Columns: NAME STATUS PID UPTIME RESTARTS LAST EXIT NEXT RUN CPU MEM.
--json prints listTasks() rows (TaskRow[], see docs/cli.md).`;

/** Registers `ls` (alias `list`), `enable` and `disable`. */
export function registerTasks(program: Command, ctx: CliContext): void {
  program.command('ls').alias('list')
    .description('show the task table')
    .option('--tag <tag>', 'only tasks with this tag')
    .option('--json', 'print the rows as JSON')
    .addHelpText('after', LS_HELP)
    .action((flags: ListFlags) => listCommand(ctx, flags));
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
