// `next NAME [-n 5]`: the next fire times of a schedule (nextRuns: pure, nothing is written).
import type { Command } from 'commander';
import { DEFAULT_NEXT_RUNS } from '../../task/read-options.js';
import type { CliContext } from '../context.js';
import { formatLocal, relativeIn } from '../../display/format.js';
import { integerAtLeast } from '../parse.js';

/** Registers `next`. */
export function registerNext(program: Command, ctx: CliContext): void {
  program.command('next <name>')
    .description('preview the next fire times of a periodic or cron task')
    .option('-n, --count <n>', 'how many', integerAtLeast(1), DEFAULT_NEXT_RUNS)
    .option('--json', 'print the times as a JSON array of ISO strings (UTC)')
    .addHelpText('after', '\nExamples:\n  $ executor next report\n  $ executor next report -n 10 --json')
    .action(async (name: string, flags: { count: number; json?: boolean }) => {
      const times = await ctx.executor().nextRuns(name, flags.count);
      if (flags.json) return ctx.json(times);
      if (times.length === 0) return ctx.err(`${name} has no schedule (or is disabled).`);
      const now = Date.now();
      for (const iso of times) ctx.out(`${formatLocal(iso)}  (${relativeIn(iso, now)})`);
    });
}
