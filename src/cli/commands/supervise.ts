// `supervise`: keepRestarting in the foreground until SIGINT/SIGTERM, then a clean stop that leaves the tasks running.
import type { Command } from 'commander';
import type { LogEvent } from '../../events.js';
import { DEFAULT_SLEEP_S } from '../../supervisor/supervisor.js';
import type { CliContext } from '../context.js';
import { positiveNumber } from '../parse.js';

/** How the executor log line that says the lease is held begins. */
const LEASE_HELD_MESSAGE = 'Supervising (';

interface SuperviseFlags { sleep: number; stopTasks?: boolean }

const HELP = `
Examples:
  $ executor supervise                      # Ctrl-C (or SIGTERM) stops supervising; the tasks keep running
  $ executor supervise --sleep 10 --stop-tasks

Every executor log line is printed on stdout. Run it at boot with systemd or cron: see docs/cli.md.`;

async function supervise(ctx: CliContext, flags: SuperviseFlags): Promise<void> {
  const ex = ctx.executor({ create: true });
  let held = false;
  const onLog = (e: LogEvent): void => {
    ctx.out(e.line);
    // The supervisor logs this once it holds the lease: only then is the banner true.
    if (!held && e.message.startsWith(LEASE_HELD_MESSAGE)) {
      held = true;
      ctx.err(`Supervising ${ctx.folder} (sleep ${flags.sleep} s). Ctrl-C or SIGTERM to stop.`);
    }
  };
  ex.on('log', onLog);
  let off = (): void => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => { off = ctx.io.onStopSignal(resolve); });
  try {
    const handle = ex.keepRestarting({ sleep: flags.sleep });
    const signal = await Promise.race([signalled, handle.done.then(() => null)]);
    if (signal === null) return; // stopped from elsewhere (the lease was lost): done already reported it
    ctx.err(`${signal}: stopping the supervisor${flags.stopTasks ? ' and every task' : '; tasks keep running'}.`);
    await handle.stop();
    if (flags.stopTasks) for (const r of await ex.stopAll()) ctx.out(`${r.name}: ${r.result}${r.pid ? ` (pid ${r.pid})` : ''}`);
  } finally {
    off();
    ex.off('log', onLog);
  }
}

/** Registers `supervise`. */
export function registerSupervise(program: Command, ctx: CliContext): void {
  program.command('supervise')
    .description('restart crashed tasks and fire schedules, in the foreground, until SIGINT or SIGTERM')
    .option('--sleep <seconds>', 'seconds between full re-reads of the task table', positiveNumber, DEFAULT_SLEEP_S)
    .option('--stop-tasks', 'on SIGINT/SIGTERM also stop every task (default: leave them running)')
    .addHelpText('after', HELP)
    .action((flags: SuperviseFlags) => supervise(ctx, flags));
}
