// Test helper: temp folders + Executors that are cleaned up after each test (stopAll, kill leftovers, rm -rf).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterEach, expect, inject } from 'vitest';
import { Executor, ExecutorError, type ExecutorOptions } from '../../src/index.js';
import type { ExecutorEvents } from '../../src/events.js';
import { Janitor } from '../fixtures/process/janitor.js';
import { postgresBin } from './postgres.js';

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
 */
export function withCluster(folder: string, options: ExecutorOptions = {}): ExecutorOptions {
  const url = clusterUrl();
  if (url === undefined || options.cluster !== undefined) return options;
  return { ...options, cluster: `${url}?schema=${clusterSchemaOf(folder)}` };
}

/** The schema of `folder`'s task table in the `cluster` project (see {@link withCluster}). */
export function clusterSchemaOf(folder: string): string {
  return `t_${createHash('sha1').update(path.resolve(folder)).digest('hex').slice(0, 20)}`;
}

/**
 * Task `name`'s record as stored, read synchronously: `tasks/<name>.json` of `folder`, or in the `cluster` project its
 * row (through psql). Throws when there is none.
 */
export function storedRecord(folder: string, name: string): unknown {
  const url = clusterUrl();
  if (url === undefined) return JSON.parse(readFileSync(path.join(folder, 'tasks', `${name}.json`), 'utf8'));
  const psql = path.join(postgresBin(), 'psql');
  const sql = `SELECT record FROM "${clusterSchemaOf(folder)}".tasks WHERE name = '${name.replaceAll("'", "''")}'`;
  const out = execFileSync(existsSync(psql) ? psql : 'psql', ['-At', '-c', sql, url], { encoding: 'utf8' }).trim();
  if (out === '') throw new Error(`No record of ${name} in ${clusterSchemaOf(folder)}.tasks`);
  return JSON.parse(out);
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

/** Runs `call`, expects a `cls` error with `code` and an "Expected … got" message matching `message`, and no change in `folder`. */
export async function expectRejected(call: () => unknown, cls: ErrorClass, code: string, message: RegExp, folder: string): Promise<ExecutorError> {
  const before = snapshotFolder(folder);
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
  return error;
}
