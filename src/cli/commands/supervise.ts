// `supervise`: keepRestarting in the foreground until SIGINT/SIGTERM, then a clean stop that leaves the tasks running.
import type { Command } from 'commander';
import type { LogEvent } from '../../events.js';
import { DEFAULT_SLEEP_S } from '../../supervisor/supervisor.js';
import type { CliContext } from '../context.js';
import { errorReport } from '../errors.js';
import { durationSeconds } from '../parse.js';
import { runLifecycle } from './lifecycle.js';

interface SuperviseFlags { sleep: number; stopTasks?: boolean; host?: string }

const HELP = `
Examples:
  $ executor supervise                      # Ctrl-C (or SIGTERM) stops supervising; the tasks keep running
  $ executor supervise --sleep 10 --stop-tasks   # --sleep: seconds, or a period like 30s, "5 min", 2h

Every executor log line is printed on stdout. Run it at boot with systemd or cron: see docs/cli.md.`;

async function supervise(ctx: CliContext, flags: SuperviseFlags): Promise<void> {
  if (flags.host !== undefined) ctx.clusterFlags = { ...ctx.clusterFlags, host: flags.host };
  const ex = ctx.executor({ create: true });
  const onLog = (e: LogEvent): void => ctx.out(e.line);
  // A failed pass or log write: reported, and supervising goes on.
  const onError = (error: Error): void => void ctx.io.stderr.write(errorReport(error, ctx.debug));
  ex.on('log', onLog);
  ex.on('error', onError);
  let off = (): void => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => { off = ctx.io.onStopSignal(resolve); });
  try {
    const handle = ex.keepRestarting({ sleep: flags.sleep });
    // The banner only once the lease is held: a second supervisor prints just its error.
    let stopping = false;
    void handle.ready.then(() => { if (!stopping) ctx.err(`Supervising ${ctx.folder} (sleep ${flags.sleep} s). Ctrl-C or SIGTERM to stop.`); }, () => undefined);
    const done = handle.done.then(() => null);
    done.catch(() => undefined); // a lease lost while stopping is reported by `done` alone
    const signal = await Promise.race([signalled, done]);
    if (signal === null) return; // stopped from elsewhere
    stopping = true;
    ctx.err(`${signal}: stopping the supervisor${flags.stopTasks ? ' and every task' : '; tasks keep running'}.`);
    await handle.stop();
    if (flags.stopTasks) await runLifecycle(ctx, 'stop', [], { all: true });
  } finally {
    off();
    ex.off('log', onLog);
    ex.off('error', onError);
  }
}

/** Registers `supervise`. */
export function registerSupervise(program: Command, ctx: CliContext): void {
  program.command('supervise')
    .description('restart crashed tasks and fire schedules, in the foreground, until SIGINT or SIGTERM')
    .option('--sleep <duration>', 'time between full re-reads of the task table: seconds, or a period like 30s, "5 min"', durationSeconds, DEFAULT_SLEEP_S)
    .option('--stop-tasks', 'on SIGINT/SIGTERM also stop every task (default: leave them running)')
    .option('--host <name>', 'cluster mode: this host\'s name (default: $EXECUTOR_HOST, else the hostname)')
    .addHelpText('after', HELP)
    .action((flags: SuperviseFlags) => supervise(ctx, flags));
}
