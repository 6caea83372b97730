// The `executor` command line: builds the commander program, runs one command, returns the exit code.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { CliContext } from './context.js';
import { EXIT_OK } from './errors.js';
import { durationMs, hostLabel, integerAtLeast } from './parse.js';
import type { HostLabels } from '../cluster/options.js';
import type { CliIo } from './io.js';

export { nodeIo } from './io.js';
import { registerAdd } from './commands/add.js';
import { registerCluster } from './commands/cluster.js';
import { registerEmit } from './commands/emit.js';
import { registerHosts } from './commands/hosts.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerLogs } from './commands/logs.js';
import { registerNext } from './commands/next.js';
import { registerRepl } from './commands/repl.js';
import { registerRun } from './commands/run.js';
import { registerRuns } from './commands/runs.js';
import { registerSupervise } from './commands/supervise.js';
import { registerTasks } from './commands/tasks.js';
import { registerUi } from './commands/ui.js';

/** Help text width when the stream is not a terminal (commander's own default). */
export const HELP_WIDTH = 80;

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const OVERVIEW = `
Examples:
  $ executor add web server.js                 # a long-running script, restarted when it crashes
  $ executor add report report.py --cron "30 2 * * *" --once
  $ executor start --all && executor ls
  $ executor logs web -n 100 -f
  $ executor supervise                          # keep restarting and scheduling, in the foreground

The folder is --folder, else $EXECUTOR_FOLDER, else ./.executor. With --cluster URL (or $EXECUTOR_CLUSTER) the task
table lives in PostgreSQL and the folder keeps this host's output; the host's name is supervise --host, else
$EXECUTOR_HOST, else the hostname (docs/cluster.md).
Exit codes: 0 success, 1 failed operation, 2 usage error. Docs: docs/cli.md`;

/** Builds the program with every command registered on `ctx`. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('executor')
    .description('Run, schedule, restart and inspect background scripts kept in an executor folder.')
    .version(PACKAGE.version, '-V, --version', 'print the version')
    .option('--folder <dir>', 'executor folder (default: $EXECUTOR_FOLDER, else ./.executor)')
    .option('--cluster <url>', 'cluster mode: the task table in this PostgreSQL (default: $EXECUTOR_CLUSTER)')
    .option('--lease-time <duration>', 'a host is dead after this long without a heartbeat (default: 10 sec)', durationMs(true))
    .option('--capacity <n>', 'most runs this host runs at once, in a cluster (default: no limit)', integerAtLeast(1))
    .option('--label <key=value>', 'a label of this host, in a cluster (repeat for more); true/false/numbers are typed', hostLabel)
    .option('--debug', 'print stack traces with errors')
    .addHelpText('after', OVERVIEW)
    .showSuggestionAfterError(true)
    .hook('preAction', (root) => {
      const opts = root.opts<{ folder?: string; debug?: boolean; cluster?: string; leaseTime?: number; capacity?: number; label?: HostLabels }>();
      ctx.folderOption = opts.folder;
      ctx.clusterFlags = { ...ctx.clusterFlags, cluster: opts.cluster, leaseTime: opts.leaseTime, capacity: opts.capacity, labels: opts.label };
      ctx.debug = opts.debug === true;
    });
  for (const register of [registerTasks, registerAdd, registerLifecycle, registerRun, registerLogs, registerRuns, registerNext, registerEmit, registerHosts, registerCluster, registerSupervise, registerUi, registerRepl]) register(program, ctx);
  configure(program, ctx);
  return program;
}

// Output to the CLI's streams; errors become one `executor: ERR_USAGE: …` line naming the command's help.
function configure(command: Command, ctx: CliContext): void {
  const path = commandPath(command);
  command.exitOverride().configureOutput({
    writeOut: (text) => void ctx.io.stdout.write(text),
    writeErr: (text) => void ctx.io.stderr.write(text),
    // Wrapped to the CLI's own stream (80 columns when it is not a terminal), so the help is the same text
    // whether it comes from here or from the copy `npm run build` writes for the bin's fast path.
    getOutHelpWidth: () => (ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined) ?? HELP_WIDTH,
    getErrHelpWidth: () => (ctx.io.stderr.isTTY ? ctx.io.stderr.columns : undefined) ?? HELP_WIDTH,
    outputError: (text, write) => write(`executor: ERR_USAGE: ${text.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()} (see "${path} --help")\n`),
  });
  for (const sub of command.commands) configure(sub, ctx);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * Runs one command line (`argv` without `node` and the script) and resolves with the exit code.
 * @example `const code = await runCli(['ls', '--json'], nodeIo()); // bin/executor.js hands the code to Node`
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx = new CliContext(io);
  const program = buildProgram(ctx);
  if (argv.length === 0) {
    program.outputHelp();
    return EXIT_OK;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    return ctx.fail(error, argv); // commander has already printed its own errors (and help or the version, with exit code 0)
  }
}
