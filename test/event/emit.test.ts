// emitEvent in one process: one run per enabled subscriber, in parallel, with the payload as data; typed refusals of bad input.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidEventTypeError, InvalidPayloadError, type AddTaskOptions, type Executor } from '../../src/index.js';
import type { StepOptions } from '../../src/program/options.js';
import { expectRejected, snapshotFolder, useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const EVENT_FIXTURES = fileURLToPath(new URL('../fixtures/event/', import.meta.url));
const kit = useExecutors();

/** Pending event files of the folder (none once every event has been handled). */
function pendingEvents(folder: string): string[] {
  const dir = path.join(folder, 'events');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** A 2-step program subscribed to `on`; its first step waits for `go` (when given). */
function program(on: string[], out: string, go: string | null): AddTaskOptions & { steps: StepOptions[] } {
  const first: Record<string, string> = go ? { GO_FILE: go } : {};
  return {
    wd: EVENT_FIXTURES, env: { OUT_DIR: out }, on,
    steps: [{ name: 'first', script: 'step.js', env: first }, { name: 'second', script: 'step.js' }],
  };
}

describe('emitEvent fan-out', () => {
  it('starts one run per enabled subscriber, in parallel, with trigger event, the type and the payload as data', async () => {
    const { ex, dir } = kit.make();
    const out = path.join(dir, 'out');
    mkdirSync(out);
    const go = path.join(dir, 'go');
    await ex.addTask('a', program(['file-arrived'], out, go));
    await ex.addTask('b', program(['other', 'file-arrived'], out, go));
    await ex.addTask('c', { script: 'step.js', wd: EVENT_FIXTURES, env: { OUT_DIR: out, GO_FILE: go }, infiniteLoop: false, on: ['file-arrived'] });
    await ex.addTask('other', program(['other'], out, null));
    await ex.addTask('off', program(['file-arrived'], out, null));
    await ex.disableTask('off');

    const payload = { path: 'x' };
    const runIds = await ex.emitEvent('file-arrived', payload);
    expect(runIds).toHaveLength(3);
    expect(new Set(runIds).size).toBe(3);
    const tasks = await Promise.all(runIds.map(async (id) => (await ex.getRun(id)).task));
    expect([...tasks].sort()).toEqual(['a', 'b', 'c']);

    // Parallel: every first step is running before any is let go.
    await waitUntil(() => ['a', 'b', 'c'].every((t) => existsSync(path.join(out, `${t}.started`))), { what: 'all three first steps to start' });
    for (const id of runIds) expect((await ex.getRun(id)).status).toBe('running');
    writeFileSync(go, '');

    const runs = await Promise.all(runIds.map((id) => ex.waitRun(id, { timeout: T(20_000) })));
    runs.forEach((run, i) => {
      expect(run).toMatchObject({ runId: runIds[i], task: tasks[i], status: 'succeeded', trigger: 'event', event: 'file-arrived', data: payload });
    });
    const programRuns = runs.filter((r) => r.task !== 'c');
    for (const run of programRuns) expect(run.steps.map((s) => s.status)).toEqual(['completed', 'completed']);

    // Each step read the payload from EXECUTOR_RUN_FILE.
    const stepsOf: Record<string, string[]> = { a: ['first', 'second'], b: ['first', 'second'], c: ['script'] };
    for (const [i, id] of runIds.entries()) {
      for (const step of stepsOf[tasks[i]!]!) {
        const input = JSON.parse(readFileSync(path.join(out, `${tasks[i]}.${step}.${id}.json`), 'utf8')) as unknown;
        expect(input, `${tasks[i]}/${step}`).toMatchObject({ runId: id, task: tasks[i], trigger: 'event', event: 'file-arrived', data: payload });
      }
    }
    expect(await ex.listRuns({ task: 'other' })).toEqual([]);
    expect(await ex.listRuns({ task: 'off' })).toEqual([]);
    expect(pendingEvents(ex.folder)).toEqual([]);
  });

  it('returns [] for an event no enabled task is subscribed to, and starts nothing', async () => {
    const { ex, dir } = kit.make();
    const out = path.join(dir, 'out');
    mkdirSync(out);
    await ex.addTask('a', program(['file-arrived'], out, null));
    await ex.addTask('off', program(['nobody-else'], out, null));
    await ex.disableTask('off');
    const events: unknown[] = [];
    ex.on('event', (e) => events.push(e));
    expect(await ex.emitEvent('nobody-else', { path: 'x' })).toEqual([]);
    expect(await ex.emitEvent('never.heard:of-it')).toEqual([]);
    expect(events).toMatchObject([{ type: 'nobody-else', runs: [] }, { type: 'never.heard:of-it', runs: [] }]);
    expect(await ex.listRuns()).toEqual([]);
    expect(pendingEvents(ex.folder)).toEqual([]);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('emitEvent bad input', () => {
  async function subscribed(): Promise<Executor> {
    const { ex, dir } = kit.make();
    const out = path.join(dir, 'out');
    mkdirSync(out);
    await ex.addTask('a', program(['ok'], out, null));
    return ex;
  }

  it.each([
    ['empty', '', /got ""/],
    ['101 characters', 'x'.repeat(101), /got "x{101}"/],
    ['a space', 'file arrived', /got "file arrived"/],
    ['a slash', 'file/arrived', /got "file\/arrived"/],
    ['not a string', 42, /got 42/],
  ])('rejects a type that is %s with InvalidEventTypeError, writing nothing', async (_what, type, got) => {
    const ex = await subscribed();
    const error = await expectRejected(() => ex.emitEvent(type as string, { path: 'x' }), InvalidEventTypeError, 'ERR_INVALID_EVENT_TYPE',
      /^Expected `type` to be an event type matching \/\^\[A-Za-z0-9\._:-\]\{1,100\}\$\//, ex.folder);
    expect(error.message).toMatch(got);
  });

  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  it.each([
    ['a circular reference', circular, /to be a value that can be serialised as JSON, got .*Circular/],
    ['a BigInt', { n: 10n }, /to be a value that can be serialised as JSON, got \{ n: 10n \}/],
    ['a bare BigInt', 10n, /to be a value that can be serialised as JSON, got 10n/],
    ['over 1 MB of JSON', { big: 'x'.repeat(1_048_576) }, /to be JSON of at most 1 MB \(1048576 bytes\), got "1048586 bytes"/],
  ])('rejects a payload with %s with InvalidPayloadError, writing nothing', async (_what, payload, message) => {
    const ex = await subscribed();
    const error = await expectRejected(() => ex.emitEvent('ok', payload), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', message, ex.folder);
    expect(error.message).toMatch(/^Expected `payload` to be /);
  });

  it('still accepts a good event afterwards (sanity: the subscriber was there all along)', async () => {
    const ex = await subscribed();
    const before = snapshotFolder(ex.folder);
    await expect(ex.emitEvent('ok', circular)).rejects.toBeInstanceOf(InvalidPayloadError);
    expect(snapshotFolder(ex.folder)).toEqual(before);
    const [runId] = await ex.emitEvent('ok', { fine: true });
    expect(await ex.waitRun(runId!, { timeout: T(20_000) })).toMatchObject({ status: 'succeeded', data: { fine: true } });
  });
});
