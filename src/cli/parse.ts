// Flag value parsers for commander: a bad value throws InvalidArgumentError, which the CLI reports with exit code 2.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { formatValue, InvalidOptionError } from '../errors.js';
import { parseDuration } from '../schedule/duration.js';

/**
 * An integer >= `min`.
 * @example `.option('-n, --lines <n>', 'lines', integerAtLeast(0), 50)`
 */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`Expected an integer >= ${min}, got ${formatValue(value)}.`);
    return n;
  };
}

/** The highest TCP port. */
export const MAX_PORT = 65_535;

/**
 * A TCP port: an integer from 0 (any free port) to 65535.
 * @example `.option('--port <port>', 'TCP port', portNumber, 7070)`
 */
export function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value.trim()) || n > MAX_PORT) throw new InvalidArgumentError(`Expected a port from 0 to ${MAX_PORT}, got ${formatValue(value)}.`);
  return n;
}

/**
 * A number > 0 (seconds).
 * @example `.option('--sleep <s>', 'seconds', positiveNumber, 60)`
 */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`Expected a number > 0, got ${formatValue(value)}.`);
  return n;
}

/** What every CLI duration flag takes, as its error message says it. */
export const CLI_DURATION_EXPECTED = "a number of seconds or a period like '30s', '5 min' or '2h'";
// A bare number on the command line: digits with an optional decimal part.
const BARE_SECONDS = /^(\d+(\.\d*)?|\.\d+)$/;
const MS_PER_SECOND = 1_000;

/**
 * A CLI duration flag's value in milliseconds: a bare number is seconds (as coreutils' `timeout 30`), anything else a
 * period string (`30s`, `5 min`, `2h`, `1.5h`; no months). `positive` refuses 0.
 *
 * @throws InvalidArgumentError (reported as `ERR_USAGE`, exit code 2): "option '--timeout <duration>' argument 'x' is
 *   invalid. Expected a number of seconds or a period like '30s', '5 min' or '2h', got "x"."
 * @example
 * ```ts
 * .option('--timeout <duration>', 'stop a run after this long', durationMs(true))
 * durationMs(true)('30');    // 30000
 * durationMs(true)('5 min'); // 300000
 * ```
 */
export function durationMs(positive: boolean): (value: string) => number {
  return (value) => {
    const text = value.trim();
    let ms: number | null = null;
    if (BARE_SECONDS.test(text)) ms = Math.round(Number(text) * MS_PER_SECOND);
    else {
      try { ms = parseDuration(text, 'duration'); } catch { ms = null; }
    }
    if (ms === null || !Number.isSafeInteger(ms)) throw new InvalidArgumentError(`Expected ${CLI_DURATION_EXPECTED}, got ${formatValue(value)}.`);
    if (positive && ms <= 0) throw new InvalidArgumentError(`Expected ${CLI_DURATION_EXPECTED}, more than 0, got ${formatValue(value)}.`);
    return ms;
  };
}

/**
 * A CLI duration flag's value in seconds (for `--sleep`, whose SDK option is in seconds): as {@link durationMs}, > 0.
 * @example `durationSeconds('2 min') // 120`
 */
export function durationSeconds(value: string): number {
  return durationMs(true)(value) / MS_PER_SECOND;
}

/**
 * Any JSON value.
 * @example `.option('--data <json>', 'run data', jsonValue)`
 */
export function jsonValue(value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new InvalidArgumentError(`Expected JSON (e.g. '{"day":"2026-01-01"}'), got ${formatValue(value)}: ${(error as Error).message}.`);
  }
}

/**
 * Collects repeated or variadic `K=V` items into an object.
 * @example `.option('--env <K=V...>', 'variables', envPair)`
 */
export function envPair(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`Expected K=V (a name, "=", then the value), got ${formatValue(value)}.`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/**
 * Collects repeated or variadic values into an array.
 * @example `.option('--tag <t...>', 'tags', collect)`
 */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Reads a file named by a flag (relative to `cwd`); a missing or unreadable one is a bad value of that flag.
 * @example `const { path, text } = await readFlagFile('--file', 'jobs.txt', ctx.io.cwd, 'a readable jobs file');`
 */
export async function readFlagFile(flag: string, name: string, cwd: string, expected: string): Promise<{ path: string; text: string }> {
  const path = resolve(cwd, name);
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new InvalidOptionError(flag, expected, `${path} (${error.code ?? error.message})`);
  });
  return { path, text };
}

/**
 * A repeatable `--label key=value` into a labels map: `true`/`false` become booleans and plain numbers numbers.
 * @example `hostLabel('gpu=true', undefined) // { gpu: true }`
 */
export function hostLabel(value: string, previous: Record<string, string | number | boolean> | undefined): Record<string, string | number | boolean> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`Expected a label as key=value, got ${formatValue(value)}.`);
  const raw = value.slice(at + 1);
  const typed = raw === 'true' ? true : raw === 'false' ? false : /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  return { ...previous, [value.slice(0, at)]: typed };
}
