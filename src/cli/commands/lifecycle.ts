// `rm`, `start`, `stop`, `restart` NAME... | --all: each task's line prints as soon as it is done.
import type { Command } from 'commander';
import { ExecutorError, TaskNotFoundError } from '../../errors.js';
import { closestNames } from '../../task/suggest.js';
import type { Executor } from '../../executor.js';
import type { TaskRow } from '../../task/rows.js';
import { NO_SUPERVISOR_HINT } from '../../supervisor/presence.js';
import type { CliContext } from '../context.js';
import { CliUsageError, errorReport, EXIT_FAILED } from '../errors.js';
import { startProgress } from '../progress.js';
import { afterDependencies } from '../../deps/start.js';
import { stopInOrder } from '../../deps/stop.js';

/** The commands that act on tasks by name or `--all`. */
export type Verb = 'rm' | 'start' | 'stop' | 'restart';
interface Flags { all?: boolean; json?: boolean; cascade?: boolean; force?: boolean }

// What each verb does to one task, and the line it prints.
// Several tasks go in dependency order: starts after the tasks they depend on, stops and removals before them.
const ACTIONS: Record<Verb, { about: string; doing: string; order: 'dependencies' | 'dependents'; act: (ex: Executor, name: string, flags: Flags) => Promise<{ name: string; result: string; pid?: number | null }> }> = {
  rm: { about: 'stop and remove tasks (their output files are kept)', doing: 'removing', order: 'dependents', act: async (ex, name, flags) => { await ex.removeTask(name, { force: flags.force === true }); return { name, result: 'removed' }; } },
  start: { about: 'start tasks now (a periodic task is scheduled; what they depend on first)', doing: 'starting', order: 'dependencies', act: (ex, name) => ex.startTask(name) },
  stop: { about: "stop tasks' whole process trees (SIGTERM, then SIGKILL)", doing: 'stopping', order: 'dependents', act: (ex, name, flags) => ex.stopTask(name, { cascade: flags.cascade === true }) },
  restart: { about: 'stop, then start tasks', doing: 'restarting', order: 'dependencies', act: (ex, name) => ex.restartTask(name) },
};

// `scheduled` says when nothing will fire the schedule: no supervisor holds the folder's lease.
function lineOf(name: string, r: { result: string; pid?: number | null }, supervised: boolean): string {
  const result = r.result === 'scheduled' && !supervised ? `scheduled (${NO_SUPERVISOR_HINT})` : r.result;
  return `${name}: ${result}${r.pid ? ` (pid ${r.pid})` : ''}`;
}

// The tasks named (all checked to exist first) or every task with --all.
async function targets(ex: Executor, names: string[], flags: Flags): Promise<string[]> {
  if (flags.all && names.length > 0) throw new CliUsageError('--all', 'given without task names', names.join(' '));
  if (!flags.all && names.length === 0) throw new CliUsageError('names', 'one or more task names, or --all', '');
  const known = (await ex.listRunningTasks()).map((r) => r.name);
  if (flags.all) return known;
  const missing = names.find((n) => !known.includes(n));
  if (missing !== undefined) throw new TaskNotFoundError(missing, closestNames(missing, known));
  return [...new Set(names)];
}

// One task's action; a failure becomes an `error` row (as stopAll's) and a stderr line, so the others still report.
async function actOne(ctx: CliContext, verb: Verb, ex: Executor, name: string, flags: Flags): Promise<Record<string, unknown>> {
  try {
    return await ACTIONS[verb].act(ex, name, flags);
  } catch (error) {
    if (!(error instanceof ExecutorError)) throw error;
    ctx.io.stderr.write(errorReport(error, ctx.debug).replace(/^executor: /, `executor: ${name}: `));
    return { name, result: 'error', code: error.code, error: error.message };
  }
}

/**
 * Runs `verb` on the tasks named (or `--all`), in parallel, printing each task's line as it is done; exit 1 if one failed.
 * @example `await runLifecycle(ctx, 'stop', [], { all: true });`
 */
export async function runLifecycle(ctx: CliContext, verb: Verb, names: string[], flags: Flags): Promise<void> {
  const ex = ctx.executor();
  const list = await targets(ex, names, flags);
  // A removal also waits for the tasks that chain after it (`after`): removing it first would be refused.
  const related = (r: TaskRow): string[] => (verb === 'rm' ? [...r.dependsOn, ...r.after.map((a) => a.task)] : r.dependsOn);
  const deps = list.length > 1 ? new Map((await ex.listTasks()).map((r) => [r.name, related(r)])) : new Map<string, string[]>();
  const inOrder = ACTIONS[verb].order === 'dependents' ? stopInOrder : afterDependencies;
  const { doing } = ACTIONS[verb];
  const progress = startProgress(ctx, `${doing} ${list.length} task${list.length === 1 ? '' : 's'}`);
  let done = 0;
  let supervised: Promise<boolean> | null = null;
  const isSupervised = (): Promise<boolean> => (supervised ??= ex.getSupervisor().then((s) => s !== null)); // read once, if needed
  try {
    const results = await inOrder(deps, list, async (name) => {
      const r = await actOne(ctx, verb, ex, name, flags);
      const supervisedNow = r.result !== 'scheduled' || (await isSupervised());
      done += 1;
      progress.update(`${doing}: ${done}/${list.length} done`);
      if (!flags.json && r.result !== 'error') progress.line(lineOf(name, r as { result: string; pid?: number | null }, supervisedNow));
      return r;
    });
    if (flags.json) ctx.json(results);
    else if (list.length === 0) ctx.out(`No tasks in ${ctx.folder}.`);
    if (results.some((r) => r.result === 'error')) ctx.exitCode = EXIT_FAILED;
  } finally {
    progress.stop();
  }
}

const EXTRA_EXAMPLE: Record<Verb, string> = {
  rm: '\n  $ executor rm db --force', start: '', stop: '\n  $ executor stop db --cascade', restart: '',
};

/** Registers `rm`, `start`, `stop` and `restart`. */
export function registerLifecycle(program: Command, ctx: CliContext): void {
  for (const verb of Object.keys(ACTIONS) as Verb[]) {
    const command = program.command(`${verb} [names...]`)
      .description(ACTIONS[verb].about)
      .option('--all', 'every task')
      .option('--json', 'print the results as JSON');
    if (verb === 'stop') command.option('--cascade', 'stop the tasks that depend on them first (else a warning names those still running)');
    if (verb === 'rm') command.option('--force', 'remove tasks others depend on (dependsOn) or chain after (after) too');
    command
      .addHelpText('after', `\nExamples:\n  $ executor ${verb} web\n  $ executor ${verb} web worker\n  $ executor ${verb} --all${EXTRA_EXAMPLE[verb]}`)
      .action((names: string[], flags: Flags) => runLifecycle(ctx, verb, names, flags));
  }
}
