// `add NAME SCRIPT [options]` and `add --file spec.yaml`: register tasks.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ExecutorError } from '../../errors.js';
import type { AddTaskOptions } from '../../task/options.js';
import type { TaskRow } from '../../task/rows.js';
import type { CliContext } from '../context.js';
import { collect, durationMs, envPair } from '../parse.js';
import { readSpecFile, type SpecEntry } from '../spec-file.js';
import { addRelationFlags, relationOptions, type RelationFlags } from '../add-relations.js';
import { CliUsageError } from '../errors.js';
import { dependencyLevels } from '../../deps/graph.js';

interface AddFlags extends RelationFlags {
  wd?: string; env?: Record<string, string>; arg?: string[]; period?: string; cron?: string; start?: string; timezone?: string;
  once?: boolean; keepOrphans?: boolean; timeout?: number; jitter?: number; tag?: string[]; interpreter?: string; description?: string; on?: string[]; replace?: boolean;
  file?: string; json?: boolean;
}

const HELP = `
Examples:
  $ executor add web server.js --env PORT=8080 --tag web
  $ executor add report report.py --cron "30 2 * * *" --timezone Europe/Paris --once
  $ executor add poll poll.sh --period "2 min" --start "2026-01-01 00:00:30" --timeout 90 --jitter 10s
  $ executor add scrape scrape.js --arg --verbose --arg=--depth=2 --replace
  $ executor add --file etl.yaml        # one task, a list, or { tasks: [...] } (JSON or YAML)
  $ executor add db db.sh --ready-port 5432
  $ executor add api api.js --depends-on db --depends-on cache --ready-line "/listening on \\d+/" --restart-with
  $ executor add report report.py --after load:success --envfile .env --envfile-optional .env.local --secret-env DSN
  $ executor add worker worker.js --user svc --limit-memory "512 MB" --limit-cpu 3600 --limit-files 1024 --nice 10

Durations (--timeout, --jitter, --ready-timeout): a bare number is seconds (--timeout 30), or a period like 30s, "5 min", 2h, 1.5h;
--ready-after alone takes milliseconds (--ready-after 1500) or a period (2s).
One ready check at most (--ready-after, --ready-line, --ready-port or --ready-file); each dependency's own is used.
Optional env files (--envfile-optional) are read after the required ones; a spec file's envFile sets any order.
A name that exists is left unchanged (with a warning) unless --replace.`;

// The flags as addTask options (only those given).
function optionsOf(flags: AddFlags, cwd: string): AddTaskOptions {
  const o: AddTaskOptions = {};
  o.wd = resolve(cwd, flags.wd ?? '.'); // the CLI's own working directory, not the SDK's process.cwd()
  if (flags.env !== undefined) o.env = flags.env;
  if (flags.arg !== undefined) o.args = flags.arg;
  if (flags.period !== undefined) o.period = flags.period;
  if (flags.cron !== undefined) o.cron = flags.cron;
  if (flags.start !== undefined) o.start = flags.start;
  if (flags.timezone !== undefined) o.timezone = flags.timezone;
  if (flags.once) o.infiniteLoop = false;
  if (flags.keepOrphans) o.keepOrphans = true;
  if (flags.timeout !== undefined) o.timeout = flags.timeout;
  if (flags.jitter !== undefined) o.jitter = flags.jitter;
  if (flags.tag !== undefined) o.tags = flags.tag;
  if (flags.interpreter !== undefined) o.interpreter = flags.interpreter;
  if (flags.description !== undefined) o.description = flags.description;
  if (flags.on !== undefined) o.on = flags.on;
  if (flags.replace) o.replace = true;
  return { ...o, ...relationOptions(flags) };
}

// Adds one task; says whether it was added, replaced or left as it was.
async function addOne(ctx: CliContext, name: string, add: () => Promise<TaskRow>, replace: boolean, quiet: boolean): Promise<TaskRow> {
  const ex = ctx.executor({ create: true });
  const existed = replace && (await ex.listRunningTasks()).some((r) => r.name === name);
  const skipped: { message: string | null } = { message: null }; // set by the listener, during `add()`
  const onWarning = (w: { name?: string; message: string }): void => { if (w.name === name) skipped.message = w.message; };
  ex.on('warning', onWarning);
  try {
    const row = await add();
    if (skipped.message !== null) ctx.warn(`${skipped.message.replace(/\.?$/, '.')} Nothing changed; pass --replace to update it.`);
    else if (!quiet) ctx.out(`${name}: ${existed ? 'replaced' : 'added'}`);
    return row;
  } finally {
    ex.off('warning', onWarning);
  }
}

// The file's tasks, each after the ones of the file it depends on or chains after (so they exist when it is added);
// otherwise in file order.
function inDependencyOrder(entries: SpecEntry[]): SpecEntry[] {
  const names = (list: unknown): string[] => (Array.isArray(list) ? list.map((x: unknown) => (typeof x === 'string' ? x : (x as { task?: unknown } | null)?.task)).filter((x): x is string => typeof x === 'string') : []);
  const deps = new Map(entries.map((e) => [e.name, [...names(e.dependsOn), ...names(e.after)]]));
  const rank = new Map(dependencyLevels(deps, deps.keys()).flatMap((level, i) => level.map((n) => [n, i] as const)));
  return entries.map((e, i) => ({ e, i })).sort((a, b) => (rank.get(a.e.name)! - rank.get(b.e.name)!) || a.i - b.i).map(({ e }) => e);
}

async function addFromFile(ctx: CliContext, flags: AddFlags): Promise<TaskRow[]> {
  const entries = inDependencyOrder(await readSpecFile(resolve(ctx.io.cwd, flags.file!)));
  const rows: TaskRow[] = [];
  for (const { name, ...options } of entries) {
    const opts = { ...options, ...(flags.replace && options.replace === undefined ? { replace: true } : {}) };
    try {
      rows.push(await addOne(ctx, name, () => ctx.executor({ create: true }).addTask(name, opts), opts.replace === true, flags.json === true));
    } catch (error) {
      if (error instanceof ExecutorError) error.message = `${flags.file}, task ${JSON.stringify(name)}: ${error.message}`;
      throw error;
    }
  }
  return rows;
}

/** Registers `add`. */
export function registerAdd(program: Command, ctx: CliContext): void {
  const command = program.command('add [name] [script]')
    .description('register a task: a script (restarted when it exits, unless --once or scheduled), or programs from a spec file')
    .option('--wd <dir>', 'working directory (default: the current one)')
    .option('--env <K=V...>', 'environment variables', envPair)
    .option('--arg <arg...>', 'script arguments (use --arg=-x for one starting with a dash)', collect)
    .option('--period <period>', 'run every period, e.g. "30 sec", "2 min", "1 hour", "day"')
    .option('--cron <expr>', 'run on a cron schedule (5 fields, or 6 with seconds)')
    .option('--start <iso>', 'anchor of the period, e.g. "2026-01-01 08:00:00"')
    .option('--timezone <tz>', 'IANA zone of the schedule, e.g. Europe/Paris')
    .option('--once', 'do not restart it when it exits (infiniteLoop: false)')
    .option('--keep-orphans', 'keep what a run leaves running when it exits (a daemonizing script); stop and rm still stop it')
    .option('--timeout <duration>', 'stop a run after this long: seconds, or a period like 30s, "5 min", 2h', durationMs(true))
    .option('--jitter <duration>', 'delay each scheduled run by up to this long: seconds, or a period like 30s, "5 min"', durationMs(false))
    .option('--tag <tag...>', 'tags', collect)
    .option('--interpreter <name>', 'interpreter (node, tsx, python3, Rscript, bash, sh)')
    .option('--description <text>', 'description')
    .option('--on <event...>', 'event types that start a run', collect)
    .option('--replace', 'update the task if it exists');
  addRelationFlags(command)
    .option('--file <spec>', 'add the tasks of a JSON or YAML spec file')
    .option('--json', 'print the task row(s) as JSON')
    .addHelpText('after', HELP)
    .action(async (name: string | undefined, script: string | undefined, flags: AddFlags) => {
      if (flags.file !== undefined) {
        if (name !== undefined) throw new CliUsageError('add --file', 'given without NAME and SCRIPT (the file names its tasks)', name);
        const { file: _f, replace: _r, json: _j, ...taskFlags } = flags;
        const given = Object.keys(taskFlags);
        if (given.length > 0) throw new CliUsageError('add --file', 'given without task options (the file sets them)', given.map((k) => `--${k}`).join(' '));
        const rows = await addFromFile(ctx, flags);
        if (flags.json) ctx.json(rows);
        return;
      }
      if (name === undefined || script === undefined) throw new CliUsageError('add', 'given NAME and SCRIPT (or --file SPEC)', [name, script].filter((v) => v !== undefined).join(' '));
      const options = optionsOf(flags, ctx.io.cwd);
      const row = await addOne(ctx, name, () => ctx.executor({ create: true }).addTask(name, script, options), options.replace === true, flags.json === true);
      if (flags.json) ctx.json(row);
    });
}
