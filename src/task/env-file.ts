// A task's env files (dotenv format), read at each start relative to its wd: an edit applies at the next start.
// Their values go to the child's environment only; nothing read here is ever written.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { EnvFileError } from '../errors/task.js';
import { errnoOf } from '../fs-errors.js';
import type { EnvFileRef } from '../store/records.js';

/** Error codes of a file that is not there: an `optional` env file is then skipped. */
const MISSING_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR']);

// Words for why an env file cannot be read, for EnvFileError's "got …".
function problemOf(error: unknown): string {
  const code = errnoOf(error);
  if (code !== null && MISSING_CODES.has(code)) return `no such file (${code})`;
  if (code === 'EACCES' || code === 'EPERM') return `a file it may not read (${code})`;
  if (code === 'EISDIR') return 'a directory (EISDIR)';
  return `an error reading it (${code ?? (error as Error).message})`;
}

/**
 * Reads one env file: its variables, or null when it is missing and `optional`. Throws `EnvFileError` (naming the
 * file) when it is missing and not optional, or cannot be read (a directory, no permission), optional or not.
 * @example `readEnvFile('/srv/api', { path: '.env', optional: false }) // { DB_HOST: 'localhost' }`
 */
export function readEnvFile(wd: string, ref: EnvFileRef): Record<string, string> | null {
  const file = resolve(wd, ref.path);
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (error) {
    if (ref.optional && MISSING_CODES.has(errnoOf(error) ?? '')) return null;
    throw new EnvFileError(file, problemOf(error), error);
  }
  return parse(text);
}

/**
 * The variables of a task's env files, later files overriding earlier ones (none: `{}`). Read at each start.
 * @example `readEnvFiles(task.wd, [{ path: '.env', optional: false }, { path: '.env.local', optional: true }])`
 */
export function readEnvFiles(wd: string, files: readonly EnvFileRef[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ref of files ?? []) Object.assign(env, readEnvFile(wd, ref));
  return env;
}
