// Helpers of the cluster tests: a host (a supervisor in its own process, test/fixtures/cluster/supervisor.ts) that
// can be told to start a task, and a fresh schema of the test PostgreSQL per cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { clusterUrl, type ExecutorKit } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const SUPERVISOR = fileURLToPath(new URL('../fixtures/cluster/supervisor.ts', import.meta.url));
let n = 0;

/** A new cluster (a fresh schema of the test server). */
export const newCluster = (tag: string): string => `${clusterUrl()!}?schema=s_${tag}_${process.pid}_${n++}`;

/** A supervising host in its own process. */
export interface TestHost {
  name: string;
  child: ChildProcess;
  /** Every JSON line it printed so far. */
  lines: Record<string, unknown>[];
  /** Resolves with the first printed object with `key` (after those already matched). */
  next(key: string): Promise<Record<string, unknown>>;
  /** Asks it to start `task`; resolves with the start row. */
  start(task: string): Promise<Record<string, unknown>>;
}

/**
 * Starts hosts on demand; every one is SIGKILLed after the test. `env`: variables set in the host's process (over this
 * one's), e.g. its own HOME or EXECUTOR_SECRETS_KEY; a variable set to `undefined` is removed.
 */
export function useHosts(kit: ExecutorKit): (cluster: string, name: string, leaseTimeMs?: number, options?: Record<string, unknown>, env?: Record<string, string | undefined>) => Promise<TestHost> {
  const children: ChildProcess[] = [];
  afterEach(() => { for (const c of children.splice(0)) c.kill('SIGKILL'); });
  return async (cluster, name, leaseTimeMs = 1000, options = {}, env = {}) => {
    const args = [SUPERVISOR, path.join(kit.tmpDir(), name), cluster, name, String(leaseTimeMs), JSON.stringify(options)];
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete childEnv[key];
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['pipe', 'pipe', 'inherit'], env: childEnv });
    children.push(child);
    const lines: Record<string, unknown>[] = [];
    const waiters: { key: string; resolve: (v: Record<string, unknown>) => void }[] = [];
    const used = new Set<Record<string, unknown>>();
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const part of parts.filter(Boolean)) {
        const value = JSON.parse(part) as Record<string, unknown>;
        lines.push(value);
        const w = waiters.findIndex((x) => x.key in value);
        if (w >= 0) { used.add(value); waiters.splice(w, 1)[0]!.resolve(value); }
      }
    });
    const next = (key: string): Promise<Record<string, unknown>> => {
      const found = lines.find((l) => key in l && !used.has(l));
      if (found) { used.add(found); return Promise.resolve(found); }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`host ${name} printed no "${key}": ${JSON.stringify(lines)}`)), T(20_000));
        waiters.push({ key, resolve: (v) => { clearTimeout(timer); resolve(v); } });
      });
    };
    const host: TestHost = {
      name, child, lines, next,
      async start(task) {
        child.stdin!.write(`${JSON.stringify({ start: task })}\n`);
        return (await next('started')).started as Record<string, unknown>;
      },
    };
    const first = await Promise.race([next('supervising'), next('refused')]);
    if ('refused' in first) throw new Error(`host ${name} refused: ${JSON.stringify(first)}`);
    return host;
  };
}

/** One line of a fault test's shared stamp log: `task host pid epochMs`. */
export interface Stamp { task: string; host: string; pid: string; at: number }

/** Every stamp written to `log` so far (none while it does not exist). */
export function readStamps(log: string): Stamp[] {
  let text = '';
  try { text = readFileSync(log, 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((line) => {
    const [task, host, pid, at] = line.split(' ');
    return { task: task!, host: host!, pid: pid!, at: Number(at) };
  });
}
