// `add`'s flags of issue 16: start order (--depends-on, --ready-*), chains (--after), env files and secrets, user,
// group, limits and nice; and issue 17's placement (--on-host, --needs-label: `hosts`, `labels`); parsed into the
// addTask options of the same names.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { formatValue } from '../errors.js';
import { parseDuration } from '../schedule/duration.js';
import type { AddTaskOptions } from '../task/options.js';
import type { ReadyOption } from '../task/options-deps.js';
import { CliUsageError } from './errors.js';
import { collect, durationMs, hostLabel, integerAtLeast } from './parse.js';

/** The issue-16 flags of `add`, as commander gives them. */
export interface RelationFlags {
  dependsOn?: string[]; readyAfter?: number; readyLine?: RegExp; readyPort?: number; readyFile?: string; readyTimeout?: number;
  restartWith?: boolean; after?: { task: string; on: 'success' | 'failure' | 'end' }[]; maxChainDepth?: number;
  envfile?: string[]; envfileOptional?: string[]; secretEnv?: string[]; user?: string; group?: string;
  limitMemory?: string | number; limitCpu?: number; limitFiles?: number; limitProcesses?: number; nice?: number;
  onHost?: string[]; needsLabel?: Record<string, string | number | boolean>;
}

/** The `--after` ons, in the order the help lists them. */
const CHAIN_ONS = ['success', 'failure', 'end'] as const;

/**
 * `--ready-after`: a bare integer is milliseconds (as `ready: { afterMs }`), anything else a period (`2s`, `1.5 min`).
 * @example `readyAfterMs('1500') // 1500`
 */
export function readyAfterMs(value: string): number {
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  try {
    return parseDuration(text, '--ready-after');
  } catch {
    throw new InvalidArgumentError(`Expected a number of milliseconds or a period like '2s' or '1 min', got ${formatValue(value)}.`);
  }
}

/**
 * `--ready-line`: a regular expression, bare (`listening on \d+`) or in slashes with flags (`/ready/i`).
 * @example `regexFlag('/listening/i') // /listening/i`
 */
export function regexFlag(value: string): RegExp {
  const slashed = /^\/(.+)\/([a-z]*)$/s.exec(value);
  try {
    return slashed ? new RegExp(slashed[1]!, slashed[2]) : new RegExp(value);
  } catch (error) {
    throw new InvalidArgumentError(`Expected a regular expression, got ${formatValue(value)} (${(error as Error).message}).`);
  }
}

/**
 * `--after TASK[:success|failure|end]` (repeatable): one `after` entry each; `on` defaults to `success`.
 * @example `afterEntry('load:failure', undefined) // [{ task: 'load', on: 'failure' }]`
 */
export function afterEntry(value: string, previous: RelationFlags['after']): NonNullable<RelationFlags['after']> {
  const at = value.lastIndexOf(':');
  const on = at < 0 ? 'success' : value.slice(at + 1);
  const task = at < 0 ? value : value.slice(0, at);
  if (task === '' || !(CHAIN_ONS as readonly string[]).includes(on)) throw new InvalidArgumentError(`Expected TASK or TASK:success, TASK:failure or TASK:end, got ${formatValue(value)}.`);
  return [...(previous ?? []), { task, on: on as (typeof CHAIN_ONS)[number] }];
}

/** `--limit-memory`: bytes (a bare integer) or a size string like `512 MB` (checked by addTask). */
function memorySize(value: string): string | number {
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;
}

/** An integer from -20 to 19 (`--nice`). */
function niceValue(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < -20 || n > 19) throw new InvalidArgumentError(`Expected an integer from -20 to 19, got ${formatValue(value)}.`);
  return n;
}

/** Declares the issue-16 flags on `add`. */
export function addRelationFlags(command: Command): Command {
  return command
    .option('--depends-on <name>', 'a task that must be running and ready first (repeatable)', collect)
    .option('--ready-after <ms>', 'ready once alive this long: milliseconds, or a period like 2s (default 1000)', readyAfterMs)
    .option('--ready-line <regex>', 'ready once a line of its output matches (/re/flags or a bare regex)', regexFlag)
    .option('--ready-port <port>', 'ready once 127.0.0.1:PORT accepts a TCP connection', integerAtLeast(1))
    .option('--ready-file <path>', 'ready once this file exists (relative to --wd)')
    .option('--ready-timeout <duration>', 'how long a dependent waits for it to be ready: seconds or a period (default 30s)', durationMs(true))
    .option('--restart-with', 'under a supervisor, restart it when a dependency restarts')
    .option('--after <task[:on]>', 'run once each time a run of TASK ends (on: success (default), failure or end; repeatable)', afterEntry)
    .option('--max-chain-depth <n>', 'longest chain of chained runs (default 10)', integerAtLeast(1))
    // Not --env-file: Node reads that flag even after the script's path (nodejs/node#54232) and exits when the file is
    // not there relative to the shell's directory, before this CLI runs.
    .option('--envfile <path>', 'an env file read at each start, relative to --wd (repeatable; a missing one is an error)', collect)
    .option('--envfile-optional <path>', 'an env file ignored when missing (repeatable; read after the --envfile ones)', collect)
    .option('--secret-env <name>', 'an env variable never written in clear (repeatable; names like *TOKEN*, *SECRET* are already)', collect)
    .option('--user <user>', 'run as this user (the supervisor must run as root)')
    .option('--group <group>', 'run with this group (the supervisor must run as root)')
    .option('--limit-memory <size>', 'memory limit (ulimit -d: heap and private mappings): bytes or a size like "512 MB"', memorySize)
    .option('--limit-cpu <seconds>', 'CPU-time limit in seconds (ulimit -t)', integerAtLeast(1))
    .option('--limit-files <n>', 'open files limit (ulimit -n)', integerAtLeast(1))
    .option('--limit-processes <n>', 'processes limit of the user (ulimit -u)', integerAtLeast(1))
    .option('--nice <n>', 'scheduling priority, -20 (highest) to 19', niceValue)
    .option('--on-host <name>', 'cluster: a host allowed to run it (repeatable; default: any host)', collect)
    .option('--needs-label <key=value>', 'cluster: a label a host must have to run it (repeatable); true/false/numbers are typed', hostLabel);
}

// The one `ready` check the flags ask for, or undefined; two of them are a usage error.
function readyOf(flags: RelationFlags): ReadyOption | undefined {
  const given: [string, ReadyOption][] = [];
  if (flags.readyAfter !== undefined) given.push(['--ready-after', { afterMs: flags.readyAfter }]);
  if (flags.readyLine !== undefined) given.push(['--ready-line', { line: flags.readyLine }]);
  if (flags.readyPort !== undefined) given.push(['--ready-port', { port: flags.readyPort }]);
  if (flags.readyFile !== undefined) given.push(['--ready-file', { file: flags.readyFile }]);
  if (given.length > 1) throw new CliUsageError('ready flags', 'one of --ready-after, --ready-line, --ready-port or --ready-file', given.map(([flag]) => flag).join(' '));
  return given[0]?.[1];
}

/**
 * The addTask options of the issue-16 flags given (only those).
 * @example `relationOptions({ dependsOn: ['db'], readyPort: 8080 }) // { dependsOn: ['db'], ready: { port: 8080 } }`
 */
export function relationOptions(flags: RelationFlags): AddTaskOptions {
  const o: AddTaskOptions = {};
  if (flags.dependsOn !== undefined) o.dependsOn = flags.dependsOn;
  const ready = readyOf(flags);
  if (ready !== undefined) o.ready = ready;
  if (flags.readyTimeout !== undefined) o.readyTimeout = flags.readyTimeout;
  if (flags.restartWith) o.restartWith = true;
  if (flags.after !== undefined) o.after = flags.after;
  if (flags.maxChainDepth !== undefined) o.maxChainDepth = flags.maxChainDepth;
  const envFiles = [...(flags.envfile ?? []), ...(flags.envfileOptional ?? []).map((path) => ({ path, optional: true }))];
  if (envFiles.length > 0) o.envFile = envFiles;
  if (flags.secretEnv !== undefined) o.secretEnv = flags.secretEnv;
  if (flags.user !== undefined) o.user = flags.user;
  if (flags.group !== undefined) o.group = flags.group;
  const limits = { memory: flags.limitMemory, cpuSeconds: flags.limitCpu, openFiles: flags.limitFiles, processes: flags.limitProcesses };
  const given = Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined));
  if (Object.keys(given).length > 0) o.limits = given as AddTaskOptions['limits'];
  if (flags.nice !== undefined) o.nice = flags.nice;
  if (flags.onHost !== undefined) o.hosts = flags.onHost;
  if (flags.needsLabel !== undefined) o.labels = flags.needsLabel;
  return o;
}
