// `emit EVENT [--data JSON]`: one run per enabled task whose `on` lists the event.
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { jsonValue } from '../parse.js';

/** Registers `emit`. */
export function registerEmit(program: Command, ctx: CliContext): void {
  program.command('emit <event>')
    .description('send an event: every enabled task listening to it (add --on EVENT) starts a run')
    .option('--data <json>', "the event's payload, as JSON (the runs' data)", jsonValue)
    .option('--json', 'print the run ids as a JSON array')
    .addHelpText('after', `\nExamples:\n  $ executor emit file-arrived --data '{"path":"/data/in.csv"}'\n  $ executor emit nightly --json`)
    .action(async (event: string, flags: { data?: unknown; json?: boolean }) => {
      const runIds = await ctx.executor().emitEvent(event, flags.data);
      if (flags.json) return ctx.json(runIds);
      if (runIds.length === 0) ctx.err(`No task listens to ${event}.`);
      for (const runId of runIds) ctx.out(runId);
    });
}
