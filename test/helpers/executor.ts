// Test helper: temp folders + Executors that are cleaned up after each test (stopAll, kill leftovers, rm -rf).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, inject } from 'vitest';
import { Executor, ExecutorError, type ExecutorOptions } from '../../src/index.js';
import { displayUrl } from '../../src/cluster/options.js';
import type { ExecutorEvents } from '../../src/events.js';
import type { RunRecord } from '../../src/store/records.js';
import { clusterOptions, clusterSchemaOf, clusterUrlOf } from '../fixtures/cluster-options.mjs';
import { Janitor } from '../fixtures/process/janitor.js';
import { psql, psqlScript } from './postgres.js';

export { clusterSchemaOf } from '../fixtures/cluster-options.mjs';

/** Absolute path of `test/fixtures/executor/`. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/executor/', import.meta.url));

/** Absolute path of a fixture in `test/fixtures/executor/`. */
export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** The test PostgreSQL's URL when this runs in the `cluster` project (test/setup/cluster.ts), else undefined. */
export function clusterUrl(): string | undefined {
  return inject('clusterUrl');
}

/**
 * `options` for an Executor on `folder`: in the `cluster` project, with the test server's URL and a schema of the
 * folder's own (Executors on one folder share a table; other folders' are apart), unless `options` name a cluster.
 * The schema is derived in test/fixtures/cluster-options.mjs, which the fixtures spawned by tests use too.
 */
export function withCluster(folder: string, options: ExecutorOptions = {}): ExecutorOptions {
  return clusterOptions(folder, options, clusterUrl());
}

/** `folder`'s cluster URL (`<server>?schema=<schema of folder>`) in the `cluster` project, else undefined. */
export function clusterUrlFor(folder: string): string | undefined {
  return clusterUrlOf(folder, clusterUrl());
}

/**
 * Runs `sql` on the test server (`cluster` project only), with `{schema}` replaced by `folder`'s quoted schema; returns
 * psql's output, or `missing` when the schema or table does not exist yet (no Executor used it).
 */
export function clusterSql(folder: string, sql: string, missing = ''): string {
  const url = clusterUrl();
  if (url === undefined) throw new Error('clusterSql: not in the cluster project');
  try {
    return psql(url, sql.replaceAll('{schema}', `"${clusterSchemaOf(folder)}"`));
  } catch (error) {
    if (/does not exist/.test(String((error as { stderr?: unknown }).stderr ?? ''))) return missing;
    throw error;
  }
}

/** `value` as an SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Task `name`'s record as stored, read synchronously: `tasks/<name>.json` of `folder`, or in the `cluster` project its
 * row (through psql). Throws when there is none.
 */
export function storedRecord(folder: string, name: string): unknown {
  if (clusterUrl() === undefined) return JSON.parse(readFileSync(path.join(folder, 'tasks', `${name}.json`), 'utf8'));
  const out = clusterSql(folder, `SELECT record FROM {schema}.tasks WHERE name = ${sqlString(name)}`);
  if (out === '') throw new Error(`No record of ${name} in ${clusterSchemaOf(folder)}.tasks`);
  return JSON.parse(out);
}

/**
 * Writes `text` as task `name`'s stored record, by hand: over `tasks/<name>.json` of `folder`, or in the `cluster`
 * project over its row, made if need be (as a change, so readers see it; the text must then be JSON). Returns what an
 * error about the record names it by: the file, or `<url> <schema>.tasks (<name>)`.
 */
export function writeStoredRecord(folder: string, name: string, text: string): string {
  const url = clusterUrl();
  if (url === undefined) {
    const file = path.join(folder, 'tasks', `${name}.json`);
    writeFileSync(file, text);
    return file;
  }
  const schema = clusterSchemaOf(folder);
  clusterSql(folder, `INSERT INTO {schema}.tasks (name, record, seq) VALUES (${sqlString(name)}, ${sqlString(text)}::jsonb, nextval('"${schema}".task_seq'))
    ON CONFLICT (name) DO UPDATE SET record = EXCLUDED.record, seq = EXCLUDED.seq`);
  return `${displayUrl(url)} ${schema}.tasks (${name})`;
}

/**
 * Hand-edits task `name`'s stored record: `edit` gets its JSON text and returns the new one (see
 * {@link writeStoredRecord}, which gives the return value).
 */
export function editStoredRecord(folder: string, name: string, edit: (text: string) => string): string {
  const text = clusterUrl() === undefined ? readFileSync(path.join(folder, 'tasks', `${name}.json`), 'utf8') : JSON.stringify(storedRecord(folder, name));
  return writeStoredRecord(folder, name, edit(text));
}

/** `text` as a RegExp source that matches it literally. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every task record as stored, by name, read synchronously: the `tasks/*.json` files of `folder` (each must parse), or
 * in the `cluster` project the rows of its `tasks` table.
 */
export function storedRecords(folder: string): Map<string, unknown> {
  if (clusterUrl() === undefined) {
    const dir = path.join(folder, 'tasks');
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    return new Map(files.map((f) => [f.slice(0, -'.json'.length), JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as unknown]));
  }
  const rows = JSON.parse(clusterSql(folder, `SELECT coalesce(json_agg(json_build_array(name, record) ORDER BY name COLLATE "C"), '[]') FROM {schema}.tasks`, '[]')) as [string, unknown][];
  return new Map(rows);
}

/**
 * Every run ledger record of `task` as stored, read synchronously, in run-id order: the `runs/<task>/*.json` files of
 * `folder` (file-name order), or in the `cluster` project the rows of its `runs` table.
 */
export function storedRuns(folder: string, task: string): RunRecord[] {
  if (clusterUrl() === undefined) {
    const dir = path.join(folder, 'runs', task);
    let files: string[];
    try { files = readdirSync(dir); } catch { return []; }
    return files.filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as RunRecord);
  }
  const sql = `SELECT coalesce(json_agg(record ORDER BY run_id COLLATE "C"), '[]') FROM {schema}.runs WHERE task = ${sqlString(task)}`;
  return JSON.parse(clusterSql(folder, sql, '[]')) as RunRecord[];
}

/** Run `runId` of `task` as stored (see {@link storedRuns}); throws when there is none. */
export function storedRun(folder: string, task: string, runId: string): RunRecord {
  if (clusterUrl() === undefined) return JSON.parse(readFileSync(path.join(folder, 'runs', task, `${runId}.json`), 'utf8')) as RunRecord;
  const out = clusterSql(folder, `SELECT record FROM {schema}.runs WHERE task = ${sqlString(task)} AND run_id = ${sqlString(runId)}`);
  if (out === '') throw new Error(`No run ${runId} of ${task} in ${clusterSchemaOf(folder)}.runs`);
  return JSON.parse(out) as RunRecord;
}

/** What `useExecutors()` gives a test file. */
export interface ExecutorKit {
  /** A new temp folder (removed after the test). */
  tmpDir(): string;
  /** Opens an Executor on `folder`; every process it starts is tracked and stopped after the test. */
  open(folder: string, options?: ExecutorOptions): Executor;
  /** A temp folder with an Executor on `<tmp>/exec`. */
  make(options?: ExecutorOptions): { ex: Executor; dir: string };
  /** Tracks a pid started some other way (killed with its tree after the test). */
  track(pid: number): void;
}

/** Registers an afterEach that stops every task, SIGKILLs every tracked process tree, and removes the temp folders. */
export function useExecutors(): ExecutorKit {
  const janitor = new Janitor();
  const executors: Executor[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const ex of executors.splice(0)) {
      await ex.stopAll().catch(() => undefined);
      await ex.close().catch(() => undefined); // a cluster's connections too
    }
    await janitor.killAll();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const kit: ExecutorKit = {
    tmpDir() {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'exsdk-'));
      dirs.push(dir);
      return dir;
    },
    open(folder, options) {
      const ex = new Executor(folder, withCluster(folder, options));
      executors.push(ex);
      ex.on('start', (e) => janitor.track(e.pid));
      ex.on('step', (e) => { if (e.pid !== null) janitor.track(e.pid); }); // a program's later steps
      return ex;
    },
    make(options) {
      const dir = kit.tmpDir();
      return { ex: kit.open(path.join(dir, 'exec'), options), dir };
    },
    track(pid) {
      janitor.track(pid);
    },
  };
  return kit;
}

/** Resolves with the next `event` payload that satisfies `match` (set it up before the action). */
export function nextEvent<K extends 'start' | 'exit' | 'stop' | 'warning' | 'queue' | 'timeout' | 'memory' | 'restart' | 'step' | 'event'>(
  ex: Executor, event: K, match: (payload: Parameters<ExecutorEvents[K]>[0]) => boolean = () => true,
): Promise<Parameters<ExecutorEvents[K]>[0]> {
  return new Promise((resolve) => {
    const listener = (payload: Parameters<ExecutorEvents[K]>[0]) => {
      if (!match(payload)) return;
      ex.off(event, listener as never);
      resolve(payload);
    };
    ex.on(event, listener as never);
  });
}

/** Every file under `root` (relative path -> contents), for "nothing was written" checks. Directories map to `<dir>`. */
export function snapshotFolder(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    let entries: string[];
    try { entries = readdirSync(dir); } catch { return; }
    for (const entry of entries.sort()) {
      const full = path.join(dir, entry);
      const rel = path.relative(root, full);
      if (statSync(full).isDirectory()) {
        out[rel] = '<dir>';
        walk(full);
      } else {
        out[rel] = readFileSync(full, 'utf8');
      }
    }
  };
  walk(root);
  return out;
}

/** Pids listed one per line in `file` (empty if it does not exist yet). */
export function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** An `ExecutorError` subclass, as passed to {@link expectRejected}. */
export type ErrorClass = new (...args: never[]) => ExecutorError;

/**
 * In the `cluster` project, the stored task records and runs of `folder` and of `<folder>/exec` (the layout of
 * `kit.make()`), as text, a table not made yet counting as empty; '' in the folder project (its files are the folder's).
 */
export function snapshotStore(folder: string): string {
  const url = clusterUrl();
  if (url === undefined) return '';
  // One psql for both schemas: each one's tables are read only if it has them (psql's \gset and \if).
  const script = [folder, path.join(folder, 'exec')].map((f) => {
    const schema = `"${clusterSchemaOf(f)}"`;
    return [
      `SELECT to_regclass('${schema}.runs') IS NOT NULL AS made \\gset`,
      '\\if :made',
      `SELECT coalesce(json_agg(json_build_array(name, record) ORDER BY name COLLATE "C"), '[]') FROM ${schema}.tasks;`,
      `SELECT coalesce(json_agg(record ORDER BY task COLLATE "C", run_id COLLATE "C"), '[]') FROM ${schema}.runs;`,
      '\\else',
      "SELECT '[]'; SELECT '[]';",
      '\\endif',
    ].join('\n');
  }).join('\n');
  return psqlScript(url, `${script}\n`);
}

/**
 * Runs `call`, expects a `cls` error with `code` and an "Expected … got" message matching `message`, and no change in
 * `folder` (nor, in the `cluster` project, in its stored records and runs: see {@link snapshotStore}).
 */
export async function expectRejected(call: () => unknown, cls: ErrorClass, code: string, message: RegExp, folder: string): Promise<ExecutorError> {
  const before = snapshotFolder(folder);
  const stored = snapshotStore(folder);
  let caught: unknown = null;
  try {
    await call();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected the call to throw').toBeInstanceOf(cls);
  expect(caught).toBeInstanceOf(ExecutorError);
  const error = caught as ExecutorError;
  expect(error.code).toBe(code);
  expect(error.message).toMatch(/Expected .* got /);
  expect(error.message).toMatch(message);
  expect(snapshotFolder(folder)).toEqual(before);
  expect(snapshotStore(folder), 'nothing stored changed').toBe(stored);
  return error;
}
