// Flag value parsers for commander: a bad value throws InvalidArgumentError, which the CLI reports with exit code 2.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { formatValue, InvalidOptionError } from '../errors.js';

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

/**
 * A number > 0 (seconds).
 * @example `.option('--sleep <s>', 'seconds', positiveNumber, 60)`
 */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`Expected a number > 0, got ${formatValue(value)}.`);
  return n;
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
