// Helpers of the env-file and secrets tests: the hashing fixture, a private secrets store per test, folder greps.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import type { Executor, RunRecord } from '../../src/index.js';
import { SECRETS_DIR_ENV } from '../../src/task/secrets-store.js';

/** Prints `NAME=<sha256>` per name given (never a value). */
export const HASH_ENV = fileURLToPath(new URL('../fixtures/env/hash-env.mjs', import.meta.url));
/** Removes `.env` from its working directory, then exits 1. */
export const DROP_ENV_FILE = fileURLToPath(new URL('../fixtures/env/drop-env-file.sh', import.meta.url));
/** A second Executor in its own process: runs a task once and prints `{ runId, exitCode }`. */
export const OTHER_EXECUTOR = fileURLToPath(new URL('../fixtures/env/other-executor.ts', import.meta.url));

/** sha256 hex of a value, as the fixture prints it. */
export const sha = (value: string): string => createHash('sha256').update(value).digest('hex');

/** A value found nowhere else: `<prefix>-<24 hex digits>`. */
export const unique = (prefix: string): string => `${prefix}-${randomBytes(12).toString('hex')}`;

/** Points EXECUTOR_SECRETS_DIR at a fresh directory under `tmpDir()` for each test (put back after). */
export function useSecretsDir(tmpDir: () => string): () => string {
  let dir = '';
  let before: string | undefined;
  beforeEach(() => {
    before = process.env[SECRETS_DIR_ENV];
    dir = path.join(tmpDir(), 'secrets');
    process.env[SECRETS_DIR_ENV] = dir;
  });
  afterEach(() => {
    if (before === undefined) delete process.env[SECRETS_DIR_ENV];
    else process.env[SECRETS_DIR_ENV] = before;
  });
  return () => dir;
}

/** Every regular file under `root`, recursively (absolute paths). */
export function filesUnder(root: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** The files under `root` whose bytes contain `value` (empty: nowhere). */
export function filesHolding(root: string, value: string): string[] {
  const needle = Buffer.from(value);
  return filesUnder(root).filter((f) => statSync(f).size > 0 && readFileSync(f).includes(needle));
}

/** Runs `name` once (runTask), waits for it, and returns its record and its output lines (`NAME=hash`), as a map. */
export async function runOnce(ex: Executor, name: string, timeout: number): Promise<{ run: RunRecord; seen: Map<string, string> }> {
  const runId = await ex.runTask(name);
  const run = await ex.waitRun(runId, { timeout });
  return { run, seen: seenIn(await ex.readOut(name, 100, { run: runId })) };
}

/** `NAME=value` lines as a map (a leading timestamp dropped). */
export function seenIn(lines: readonly string[]): Map<string, string> {
  const bare = lines.map((l) => l.replace(/^\d{4}-\d\d-\d\dT\S+ /, '')); // a `timestamps` task's stamp
  return new Map(bare.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]));
}
