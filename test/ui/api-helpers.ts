// Shared helpers of the dashboard's API tests (api-read, api-controls): error and success answers, fixture tasks.
import { expect } from 'vitest';
import type { AddTaskOptions, Executor, RunRecord, TaskRow } from '../../src/index.js';
import { T } from '../helpers/time.js';
import { UI_FIXTURES, type Reply } from './kit.js';

export interface ApiError { error: { code: string; message: string } }
export interface Detail { task: TaskRow; nextRuns: string[]; runs: RunRecord[]; decisions: { time: string; kind: string; text: string }[] }

export const DECISION_KINDS = ['started', 'restarted', 'backoff', 'gave-up', 'skipped', 'queued', 'timeout', 'memory', 'stopped', 'exited', 'cancelled', 'replaced', 'event', 'other'];

/** Expects an error answer: `status`, JSON `{ error: { code, message } }` with `code` and an "Expected … got" message. */
export function expectError(reply: Reply, status: number, code: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(String(reply.headers['content-type']), reply.text).toMatch(/application\/json/);
  const { error } = reply.json as ApiError;
  expect(error.code, reply.text).toBe(code);
  expect(error.message, reply.text).toMatch(/Expected .* got /);
}

/** Expects a 200 JSON answer and gives its body. */
export function ok<T>(reply: Reply<T>): T {
  expect(reply.status, reply.text).toBe(200);
  expect(String(reply.headers['content-type']), reply.text).toMatch(/application\/json/);
  return reply.json;
}

/** A script task of test/fixtures/ui that does not loop. */
export function script(file: string, options: AddTaskOptions = {}): AddTaskOptions & { script: string } {
  return { script: file, wd: UI_FIXTURES, infiniteLoop: false, ...options };
}

/** A finished run of `name` (started with the SDK). */
export async function ranOnce(ex: Executor, name: string, env?: Record<string, string>): Promise<RunRecord> {
  const runId = await ex.runTask(name, env ? { env } : undefined);
  return ex.waitRun(runId, { timeout: T(15_000) });
}

