// Shape checks of addTask's relation options (dependsOn, ready, readyTimeout, restartWith, after, maxChainDepth).
// That the named tasks exist and make no cycle is checked against the table when the task is added.
import { InvalidOptionError } from '../errors.js';
import { parseDuration } from '../schedule/duration.js';
import type { ChainLink, ChainOn, ReadySpec, TaskSpec } from '../store/records.js';
import { assertTaskName } from './name.js';

/** A task counts as ready this long after it started, unless its `ready` says otherwise. */
export const DEFAULT_READY_AFTER_MS = 1_000;
/** How long a start waits for each dependency to be ready. */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** Longest chain of runs started by `after` (a run started by a chain that started by a chain …). */
export const DEFAULT_MAX_CHAIN_DEPTH = 10;
/** The `on` of an `after` entry when none is given. */
export const DEFAULT_CHAIN_ON: ChainOn = 'success';

/** The `ready` check of `addTask`, as given. */
export type ReadyOption = { afterMs: number } | { line: RegExp | string } | { port: number } | { file: string };
/** One `after` entry of `addTask`, as given. */
export interface AfterOption { task: string; on?: ChainOn }

const CHAIN_ONS: readonly ChainOn[] = ['success', 'failure', 'end'];
const MAX_PORT = 65_535;

/** The relation options of `addTask` (start order and chains). */
export interface RelationOptions {
  /**
   * Tasks that must be running and ready before this one starts: `startTask` starts them first and waits for each
   * (`readyTimeout`); `startAll` starts in dependency order; `stopAll` stops dependents first.
   * @defaultValue []
   * @example `await ex.addTask('api', 'api.js', { dependsOn: ['db', 'cache'] })`
   */
  dependsOn?: string[];
  /**
   * When this task counts as ready for the tasks that depend on it: alive `afterMs`, a `line` seen in its output, a
   * TCP `port` on 127.0.0.1 accepting, or a `file` existing in its `wd`.
   * @defaultValue `{ afterMs: 1000 }`
   * @example `{ port: 5432 }`
   */
  ready?: ReadyOption;
  /** How long a dependent's start waits for this task to be ready: ms or a period string. @defaultValue '30 sec' */
  readyTimeout?: number | string;
  /** Under a supervisor, restart this task when one of its dependencies restarts. @defaultValue false */
  restartWith?: boolean;
  /**
   * Run once each time a run of another task ends as asked (`on`: `'success'`, `'failure'` or `'end'`); the run's
   * trigger is `chain`, its data the upstream run's.
   * @defaultValue []
   * @example `[{ task: 'load', on: 'success' }]`
   */
  after?: AfterOption[];
  /** Longest chain of chained runs (a loop back through `on: 'failure'` stops there). @defaultValue 10 */
  maxChainDepth?: number;
}

type RelationFields = Pick<TaskSpec, 'dependsOn' | 'ready' | 'readyTimeoutMs' | 'restartWith' | 'after' | 'maxChainDepth'>;

function names(value: unknown, option: string): string[] {
  if (!Array.isArray(value)) throw new InvalidOptionError(option, 'an array of task names', value);
  value.forEach((name: unknown, i) => { try { assertTaskName(name); } catch { throw new InvalidOptionError(`${option}[${i}]`, 'a task name', name); } });
  return [...new Set(value as string[])];
}

/**
 * Checks a `ready` option into its stored form.
 * @example `checkReady({ line: /listening on/ }) // { kind: 'line', source: 'listening on', flags: '' }`
 */
export function checkReady(value: unknown): ReadySpec {
  const o = value as Record<string, unknown> | null;
  const keys = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
  const expected = 'one of { afterMs }, { line }, { port } or { file }';
  if (keys.length !== 1) throw new InvalidOptionError('ready', expected, value);
  const [key] = keys;
  const v = o![key!];
  if (key === 'afterMs' && Number.isInteger(v) && (v as number) >= 0) return { kind: 'afterMs', ms: v as number };
  if (key === 'line' && v instanceof RegExp) return { kind: 'line', source: v.source, flags: v.flags.replace(/[gy]/g, '') };
  if (key === 'line' && typeof v === 'string' && v !== '') return { kind: 'line', source: v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), flags: '' };
  if (key === 'port' && Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_PORT) return { kind: 'port', port: v as number };
  if (key === 'file' && typeof v === 'string' && v !== '' && !v.includes('\0')) return { kind: 'file', path: v };
  throw new InvalidOptionError(`ready.${key}`, { afterMs: 'an integer of ms >= 0', line: 'a RegExp or a non-empty string', port: `a TCP port (1 to ${MAX_PORT})`, file: 'a non-empty path' }[key!] ?? expected, v);
}

function checkAfter(value: unknown): ChainLink[] {
  if (!Array.isArray(value)) throw new InvalidOptionError('after', 'an array of { task, on? }', value);
  return value.map((entry: unknown, i) => {
    const e = entry as Record<string, unknown> | null;
    if (typeof entry !== 'object' || e === null || Array.isArray(entry) || Object.keys(e).some((k) => k !== 'task' && k !== 'on')) throw new InvalidOptionError(`after[${i}]`, 'an object { task, on? }', entry);
    try { assertTaskName(e.task); } catch { throw new InvalidOptionError(`after[${i}].task`, 'a task name', e.task); }
    const on = e.on ?? DEFAULT_CHAIN_ON;
    if (!CHAIN_ONS.includes(on as ChainOn)) throw new InvalidOptionError(`after[${i}].on`, "'success', 'failure' or 'end'", e.on);
    return { task: e.task as string, on: on as ChainOn };
  });
}

/**
 * Checks the relation options of `addTask`; only the given ones are returned (a record without them keeps the defaults).
 * @example `checkRelationOptions({ dependsOn: ['db'], ready: { port: 5432 } })`
 */
export function checkRelationOptions(o: Record<string, unknown>): RelationFields {
  const out: RelationFields = {};
  if (o.dependsOn !== undefined) out.dependsOn = names(o.dependsOn, 'dependsOn');
  if (o.ready !== undefined) out.ready = checkReady(o.ready);
  if (o.readyTimeout !== undefined) {
    const ms = parseDuration(o.readyTimeout, 'readyTimeout');
    if (ms < 1) throw new InvalidOptionError('readyTimeout', 'at least 1 ms', o.readyTimeout);
    out.readyTimeoutMs = ms;
  }
  if (o.restartWith !== undefined) {
    if (typeof o.restartWith !== 'boolean') throw new InvalidOptionError('restartWith', 'a boolean', o.restartWith);
    out.restartWith = o.restartWith;
  }
  if (o.after !== undefined) out.after = checkAfter(o.after);
  if (o.maxChainDepth !== undefined) {
    if (!(Number.isInteger(o.maxChainDepth) && (o.maxChainDepth as number) >= 1)) throw new InvalidOptionError('maxChainDepth', 'an integer >= 1', o.maxChainDepth);
    out.maxChainDepth = o.maxChainDepth as number;
  }
  return out;
}
