// Issue 12 item 10: bad input still accepted. Each case throws a typed error and changes nothing in the folder.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Executor, ExecutorError, InvalidEnvError, InvalidOptionError, InvalidPayloadError, type AddTaskOptions,
} from '../../src/index.js';
import { MAX_TIMER_MS } from '../../src/schedule/timer.js';
import { expectRejected as expectRejectedIn, FIXTURES, snapshotFolder, useExecutors, type ErrorClass } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
let ex: Executor;
let dir: string;

beforeEach(async () => {
  ({ ex, dir } = kit.make());
  await ex.addTask('good', 'once.js', { wd: FIXTURES, infiniteLoop: false });
  await ex.addTask('etl', { wd: FIXTURES, steps: [{ name: 'one', script: 'once.js' }] });
  await ex.addTask('sub', 'once.js', { wd: FIXTURES, infiniteLoop: false, on: ['ok'] });
});

const expectRejected = (call: () => unknown, cls: ErrorClass, code: string, message: RegExp, folder = ex.folder): Promise<ExecutorError> =>
  expectRejectedIn(call, cls, code, message, folder);

const NUL_MESSAGE = /to be a string without NUL bytes/;

describe('NUL bytes', () => {
  it.each<[string, () => Promise<unknown>, RegExp]>([
    ['script', () => ex.addTask('n', 'once\0.js', { wd: FIXTURES }), /`script`/],
    ['args', () => ex.addTask('n', 'once.js', { wd: FIXTURES, args: ['a\0b'] }), /`args\[0\]`/],
    ['interpreter (a name)', () => ex.addTask('n', 'once.js', { wd: FIXTURES, interpreter: 'no\0de' }), /`interpreter`/],
    ['interpreter (a command)', () => ex.addTask('n', 'once.js', { wd: FIXTURES, interpreter: ['node', '--x\0'] }), /`interpreter\[1\]`/],
    ['wd', () => ex.addTask('n', 'once.js', { wd: `${FIXTURES}\0` }), /`wd`/],
    ['the object form script', () => ex.addTask('n', { script: 'a\0.js', wd: FIXTURES }), /`script`/],
    ['a step script', () => ex.addTask('n', { wd: FIXTURES, steps: [{ name: 's', script: 'once.js\0' }] }), /`steps\[0\]\.script`/],
    ['a step args', () => ex.addTask('n', { wd: FIXTURES, steps: [{ name: 's', script: 'once.js', args: ['\0'] }] }), /`steps\[0\]\.args\[0\]`/],
    ['a step wd', () => ex.addTask('n', { wd: FIXTURES, steps: [{ name: 's', script: 'once.js', wd: '.\0' }] }), /`steps\[0\]\.wd`/],
    ['a step interpreter', () => ex.addTask('n', { wd: FIXTURES, steps: [{ name: 's', script: 'once.js', interpreter: ['node\0'] }] }), /`steps\[0\]\.interpreter\[0\]`/],
  ])('addTask: in %s', async (_what, call, option) => {
    const error = await expectRejected(call, InvalidOptionError, 'ERR_INVALID_OPTION', NUL_MESSAGE);
    expect(error.message).toMatch(option);
  });

  it('addTask: in env keys and values (ERR_INVALID_ENV)', async () => {
    await expectRejected(() => ex.addTask('n', 'once.js', { wd: FIXTURES, env: { X: 'a\0b' } }), InvalidEnvError, 'ERR_INVALID_ENV', /`env\.X`/);
    await expectRejected(() => ex.addTask('n', 'once.js', { wd: FIXTURES, env: { 'X\0': 'a' } }), InvalidOptionError, 'ERR_INVALID_ENV', /without "=" or NUL/);
    await expectRejected(() => ex.addTask('n', { wd: FIXTURES, steps: [{ name: 's', script: 'once.js', env: { X: '\0' } }] }), InvalidOptionError, 'ERR_INVALID_ENV', /`steps\[0\]\.env\.X`/);
  });

  it('runTask: args with a NUL leave the last run, its output and its record as they were', async () => {
    await ex.waitRun(await ex.runTask('good'), { timeout: T(10_000) });
    expect(existsSync(path.join(ex.folder, 'good.txt'))).toBe(true);
    await expectRejected(() => ex.runTask('good', { args: ['a\0b'] }), InvalidOptionError, 'ERR_INVALID_OPTION', /`args\[0\]` to be a string without NUL bytes/);
    await expectRejected(() => ex.runTask('good', { env: { X: 'a\0b' } }), InvalidEnvError, 'ERR_INVALID_ENV', /`env\.X`/);
    await expectRejected(() => ex.runTask('good', { args: ['ok', 'a\0'] }), InvalidOptionError, 'ERR_INVALID_OPTION', /`args\[1\]`/);
  });

  it('runTasks: a NUL in a line is not a task name', async () => {
    await expectRejected(() => ex.runTasks(['good\0 2019-01-01']), InvalidOptionError, 'ERR_INVALID_TASK_NAME', /`name`/);
  });

  it('new Executor: a NUL in an interpreters command', () => {
    expect(() => new Executor(path.join(dir, 'other'), { interpreters: { '.py': ['python3\0'] } })).toThrow(/`interpreters\["\.py"\]\[0\]` to be a string without NUL bytes/);
    expect(existsSync(path.join(dir, 'other'))).toBe(false);
  });
});

class Point { constructor(readonly x = 1) {} }
const sparse: unknown[] = [1];
sparse[2] = 3;
const BAD_VALUES: Array<[string, unknown, RegExp]> = [
  ['a function', { f: () => 1 }, /`\w+\.f` is a function/],
  ['NaN', { n: Number.NaN }, /`\w+\.n` is NaN/],
  ['Infinity', { n: [Infinity] }, /`\w+\.n\[0\]` is Infinity/],
  ['-Infinity', { n: -Infinity }, /`\w+\.n` is -Infinity/],
  ['a Map', { m: new Map([[1, 2]]) }, /`\w+\.m` is a Map/],
  ['a Set', { s: new Set([1]) }, /`\w+\.s` is a Set/],
  ['a Date', { when: new Date(0) }, /`\w+\.when` is a Date/],
  ['a BigInt', { n: 10n }, /`\w+\.n` is a bigint/],
  ['undefined in an array', { list: [1, undefined] }, /`\w+\.list\[1\]` is undefined/],
  ['a hole in an array', { list: sparse }, /`\w+\.list\[1\]` is undefined/],
  ['a symbol', { s: Symbol('s') }, /`\w+\.s` is a symbol/],
  ['a symbol key', { [Symbol('k')]: 1 }, /is an object with symbol keys/],
  ['a class instance', { p: new Point() }, /`\w+\.p` is a Point/],
  ['a boxed string', { s: new String('x') }, /`\w+\.s` is a String/],
];

describe('config and data: plain JSON values only (ERR_INVALID_PAYLOAD)', () => {
  it.each(BAD_VALUES)('refuses %s in config, runTask data and emitEvent payload', async (_what, value, where) => {
    const program = { wd: FIXTURES, steps: [{ name: 'one', script: 'once.js' }], config: value as Record<string, unknown> } satisfies AddTaskOptions;
    for (const call of [
      () => ex.addTask('p', program),
      () => ex.addTask('s', 'once.js', { wd: FIXTURES, config: value as Record<string, unknown> }),
      () => ex.runTask('etl', { data: value }),
      () => ex.runTask('good', { data: value }),
      () => ex.emitEvent('ok', value),
    ]) {
      const error = await expectRejected(call, InvalidPayloadError, 'ERR_INVALID_PAYLOAD', /to be a value that can be serialised as JSON, got .*: `/);
      expect(error.message).toMatch(where);
      expect(error.message).toMatch(/only null, booleans, finite numbers, strings, and arrays and plain objects of them are accepted/);
    }
  });

  it('refuses a top-level NaN, Date or function as data', async () => {
    for (const value of [Number.NaN, new Date(0), () => 1]) {
      await expectRejected(() => ex.runTask('good', { data: value }), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', /`data` is /);
    }
  });

  it('accepts plain JSON (null-prototype objects too); an undefined property counts as absent', async () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const runId = await ex.runTask('good', { data: { bare, list: [null, true, 1.5, 'x', { y: [] }], gone: undefined } });
    const run = await ex.waitRun(runId, { timeout: T(10_000) });
    expect(run.data).toEqual({ bare: { a: 1 }, list: [null, true, 1.5, 'x', { y: [] }] });
  });
});

describe('timer values over 2^31 - 1 ms', () => {
  const OVER = MAX_TIMER_MS + 1;
  const MAX_MESSAGE = new RegExp(`at most ${MAX_TIMER_MS} \\(about 24\\.8 days\\)`);

  it('MAX_TIMER_MS is 2^31 - 1', () => {
    expect(MAX_TIMER_MS).toBe(2 ** 31 - 1);
  });

  it('followLog and followOut pollMs', async () => {
    await expectRejected(() => ex.followLog({ pollMs: OVER }), InvalidOptionError, 'ERR_INVALID_OPTION', /`pollMs`/);
    await expectRejected(() => ex.followLog({ pollMs: 1e308 }), InvalidOptionError, 'ERR_INVALID_OPTION', MAX_MESSAGE);
    await expectRejected(() => ex.followOut('good', { pollMs: OVER }).next(), InvalidOptionError, 'ERR_INVALID_OPTION', MAX_MESSAGE);
    const it = ex.followLog({ pollMs: MAX_TIMER_MS });
    await it.return?.();
  });

  it('waitFor and waitRun timeouts', async () => {
    await expectRejected(() => ex.waitFor('good', 'running', { timeout: OVER }), InvalidOptionError, 'ERR_INVALID_OPTION', /`timeout`.*at most 2147483647/);
    const runId = await ex.runTask('good');
    await ex.waitRun(runId, { timeout: T(10_000) }); // ended: its output no longer changes under the folder snapshot
    await expectRejected(() => ex.waitRun(runId, { timeout: OVER }), InvalidOptionError, 'ERR_INVALID_OPTION', /`timeout`.*at most 2147483647/);
  });

  it('killTimeout of new Executor, sleep of keepRestarting (seconds)', () => {
    const folder = path.join(dir, 'other');
    expect(() => new Executor(folder, { killTimeout: OVER })).toThrow(MAX_MESSAGE);
    expect(() => new Executor(folder, { killTimeout: OVER })).toThrow(InvalidOptionError);
    expect(existsSync(folder)).toBe(false);
    const before = snapshotFolder(ex.folder);
    expect(() => ex.keepRestarting({ sleep: Math.ceil(OVER / 1000) })).toThrow(/`sleep` to be a number of seconds > 0 and at most 2147483 /);
    expect(snapshotFolder(ex.folder)).toEqual(before);
  });
});

describe('other options', () => {
  it('followLog(null) throws a typed error, not a TypeError', async () => {
    await expectRejected(() => ex.followLog(null as never), InvalidOptionError, 'ERR_INVALID_OPTION', /`options` to be an object/);
    await expectRejected(() => ex.followLog(5 as never), InvalidOptionError, 'ERR_INVALID_OPTION', /`options` to be an object/);
  });

  it.each([1e308, 2 ** 53 + 2, 2 ** 53, Infinity, 0, 1.5])('runTasks refuses concurrency %d', async (concurrency) => {
    await expectRejected(() => ex.runTasks('good', { concurrency }), InvalidOptionError, 'ERR_INVALID_OPTION', /`concurrency` to be an integer from 1 to 9007199254740991/);
  });

  it('new Executor refuses an unknown option, naming the known ones, and creates nothing', () => {
    const folder = path.join(dir, 'other');
    let caught: unknown = null;
    try { new Executor(folder, { killTimeOut: 5 } as never); } catch (error) { caught = error; }
    expect(caught).toBeInstanceOf(InvalidOptionError);
    expect((caught as InvalidOptionError).code).toBe('ERR_INVALID_OPTION');
    expect((caught as Error).message).toBe('Expected `options` to be made of known options (id, interpreters, killTimeout, keepArchives, now, maxConcurrent, alert, cluster, host, leaseTime, capacity, labels), got "killTimeOut".');
    expect(existsSync(folder)).toBe(false);
  });
});
