// Validation of programs' options (steps, retries, exit codes, config) and of the issue-4 options of every task.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictingOptionsError, ExecutorError, InvalidDurationError, InvalidEventTypeError, InvalidExitCodesError, InvalidOptionError,
  InvalidPayloadError, InvalidStepsError, InvalidTaskNameError, UnknownInterpreterError, WorkingDirectoryNotFoundError,
} from '../../src/errors.js';
import { checkProgramOptions, checkSteps, checkTaskExtras, type StepCheckContext } from '../../src/program/options.js';
import { TASK_DEFAULTS } from '../../src/store/records.js';
import { buildTaskSpec } from '../../src/task/options.js';

type ErrorClass = new (...args: never[]) => ExecutorError;
const NOW = Date.parse('2026-01-01T00:00:00Z');
let wd: string;
let ctx: StepCheckContext;

beforeEach(() => {
  wd = mkdtempSync(path.join(os.tmpdir(), 'exsdk-'));
  mkdirSync(path.join(wd, 'sub'));
  for (const file of ['a.js', 'b.py', 'data.txt', 'load.sql', 'sub/c.js']) writeFileSync(path.join(wd, file), '');
  writeFileSync(path.join(wd, 'run'), '#!/bin/sh\n');
  chmodSync(path.join(wd, 'run'), 0o755);
  ctx = { wd, timeoutMs: null, interpreters: {} };
});
afterEach(() => rmSync(wd, { recursive: true, force: true }));

/** Runs `fn`, expects a `cls` error with `code`, whose message matches `message` (which says what was expected and got). */
function expectError(fn: () => unknown, cls: ErrorClass, code: string, message: RegExp): ExecutorError {
  let caught: unknown = null;
  try { fn(); } catch (error) { caught = error; }
  expect(caught, 'expected a throw').toBeInstanceOf(cls);
  expect((caught as ExecutorError).code).toBe(code);
  expect((caught as Error).message).toMatch(/^Expected `.+` to be .+, got .+\.$/s);
  expect((caught as Error).message).toMatch(message);
  return caught as ExecutorError;
}
const steps1 = (step: Record<string, unknown>) => checkSteps([{ name: 's', script: 'a.js', ...step }], ctx);

describe('checkSteps: the list and each step', () => {
  it('resolves steps with the task defaults', () => {
    const [a, b] = checkSteps([{ name: 'a', script: 'a.js' }, { name: 'b', script: 'c.js', wd: 'sub', args: [1, 'x'], env: { N: 2, B: true }, timeout: '2 min', retries: 0 }], { ...ctx, timeoutMs: 5000 });
    expect(a).toEqual({ name: 'a', script: 'a.js', wd, env: {}, args: [], interpreter: '.js', command: [process.execPath], stdin: false, timeoutMs: 5000, retries: null });
    expect(b).toMatchObject({ wd: path.join(wd, 'sub'), args: ['1', 'x'], env: { N: '2', B: 'true' }, timeoutMs: 120_000, retries: 0 });
  });

  it.each([undefined, null, [], 'a.js', { name: 'a' }])('rejects steps %j', (steps) => {
    expectError(() => checkSteps(steps, ctx), InvalidStepsError, 'ERR_INVALID_STEPS', /^Expected `steps` to be a non-empty array of steps, got /);
  });

  it.each([['a string', 'a.js'], ['null', null], ['an array', ['a', 'a.js']], ['a class instance', new Date(0)], ['a hole', undefined]])('rejects a step that is %s', (_what, step) => {
    const list: unknown[] = [{ name: 'ok', script: 'a.js' }];
    list.length = 2;
    if (step !== undefined) list[1] = step;
    expectError(() => checkSteps(list, ctx), InvalidStepsError, 'ERR_INVALID_STEPS', /^Expected `steps\[1\]` to be a step object like \{ name, script \}, got /);
  });

  it('rejects an unknown step key', () => {
    expectError(() => steps1({ cwd: wd }), InvalidStepsError, 'ERR_INVALID_STEPS', /^Expected `steps\[0\]` to be made of known step keys \(name, script, args, env, wd, timeout, retries, interpreter\), got "cwd"\.$/);
  });

  it.each(['', '../x', 'a/b', '-a', 'a b', 'x'.repeat(101), 'load.err', 'job_20260101-120000', 42, undefined])('rejects the step name %j with the task-name wording', (name) => {
    const error = expectError(() => steps1({ name }), InvalidStepsError, 'ERR_INVALID_STEPS', /^Expected `steps\[0\]\.name` to be a task name matching /);
    const taskWording = new InvalidTaskNameError(name).message.replace('`name`', '`steps[0].name`');
    expect(error.message).toBe(taskWording);
  });

  it('rejects duplicate names', () => {
    expectError(() => checkSteps([{ name: 'a', script: 'a.js' }, { name: 'b', script: 'a.js' }, { name: 'a', script: 'b.py' }], ctx),
      InvalidStepsError, 'ERR_INVALID_STEPS', /^Expected `steps` to be steps with unique names, got "a"\.$/);
  });

  it.each(['', 5, undefined])('rejects the script %j', (script) => {
    expectError(() => steps1({ script }), InvalidStepsError, 'ERR_INVALID_STEPS', /^Expected `steps\[0\]\.script` to be a non-empty script path string, got /);
  });

  it.each([['x'], [[{}]], [[Number.NaN]]])('rejects args %j', (args) => {
    expectError(() => steps1({ args }), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `steps\[0\]\.args` to be an array of strings or numbers, got /);
  });

  it('rejects sparse args', () => {
    const args: unknown[] = [];
    args[1] = 'x';
    expectError(() => steps1({ args }), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `steps\[0\]\.args` to be an array of strings or numbers, got \[ <1 empty item>, 'x' \]\.$/);
  });

  it.each([[{ X: {} }, /`steps\[0\]\.env\.X` to be a string, number or boolean, got \{\}/], [{ X: 'a\0b' }, /`steps\[0\]\.env\.X`/], [{ 'A=B': '1' }, /`steps\[0\]\.env` to be variable names without "=" or NUL, got "A=B"/]])(
    'rejects env %j', (env, message) => {
      expectError(() => steps1({ env }), InvalidOptionError, 'ERR_INVALID_ENV', message);
    });

  it('rejects an env that is not an object', () => {
    expectError(() => steps1({ env: 'A=1' }), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `steps\[0\]\.env` to be an object of environment variables, got "A=1"\.$/);
  });

  it('rejects a step wd that does not exist, or is not a string', () => {
    expectError(() => steps1({ wd: 'nope' }), WorkingDirectoryNotFoundError, 'ERR_WD_NOT_FOUND', new RegExp(`^Expected \`wd\` to be an existing directory, got "${path.join(wd, 'nope')}"`));
    expectError(() => steps1({ wd: 'a.js' }), WorkingDirectoryNotFoundError, 'ERR_WD_NOT_FOUND', /to be an existing directory/);
    expectError(() => steps1({ wd: 3 }), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `steps\[0\]\.wd` to be a directory path string, got 3\.$/);
  });

  it('takes the task timeout by default, its own otherwise, null for none', () => {
    expect(checkSteps([{ name: 's', script: 'a.js' }], { ...ctx, timeoutMs: 42 })[0]!.timeoutMs).toBe(42);
    expect(checkSteps([{ name: 's', script: 'a.js', timeout: 10 }], { ...ctx, timeoutMs: 42 })[0]!.timeoutMs).toBe(10);
    expect(checkSteps([{ name: 's', script: 'a.js', timeout: null }], { ...ctx, timeoutMs: 42 })[0]!.timeoutMs).toBeNull();
  });

  it.each([0, -1, 31_536_000_001, '1 month', '2 minz', true])('rejects the timeout %j', (timeout) => {
    expectError(() => steps1({ timeout }), InvalidDurationError, 'ERR_INVALID_DURATION', /^Expected `steps\[0\]\.timeout` to be a duration from 1 ms to 365 days .*, got /);
  });

  it.each([-1, 1.5, '3', null])('rejects retries %j', (retries) => {
    expectError(() => steps1({ retries }), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `steps\[0\]\.retries` to be an integer >= 0, got /);
  });
});

describe('checkSteps: interpreters', () => {
  it('uses an explicit interpreter, a name of the map, or the map by extension first', () => {
    const interpreters = { venv: ['/venv/python'], '.js': ['bun'] };
    expect(steps1({ interpreter: 'python3' })[0]).toMatchObject({ interpreter: 'python3', command: ['python3'] });
    expect(steps1({ interpreter: ['deno', 'run'] })[0]).toMatchObject({ interpreter: 'deno run', command: ['deno', 'run'] });
    expect(checkSteps([{ name: 's', script: 'b.py', interpreter: 'venv' }], { ...ctx, interpreters })[0]).toMatchObject({ command: ['/venv/python'] });
    expect(checkSteps([{ name: 's', script: 'a.js' }], { ...ctx, interpreters })[0]).toMatchObject({ interpreter: '.js', command: ['bun'] });
  });

  it('runs an executable file without extension directly', () => {
    expect(steps1({ script: 'run' })[0]).toMatchObject({ interpreter: null, command: [], stdin: false });
  });

  it('accepts a missing file whose extension has an interpreter', () => {
    expect(steps1({ script: 'later.py' })[0]).toMatchObject({ interpreter: '.py', command: ['python3'] });
  });

  it.each([['a missing file of unknown type', 'later.xyz', '".xyz"'], ['a missing file with no extension', 'later', /".*later"/.source],
    ['an existing non-executable file', 'data.txt', '".txt"'], ['a SQL file with no SQL interpreter', 'load.sql', '".sql"']])(
    'rejects %s at add time', (_what, script, got) => {
      expectError(() => steps1({ script }), UnknownInterpreterError, 'ERR_UNKNOWN_INTERPRETER', new RegExp(`^Expected \`interpreter\` to be one of ".js", .*, got ${got}\\.$`));
    });

  it.each(['cobol', ['']])('rejects the interpreter %j', (interpreter) => {
    expectError(() => steps1({ interpreter }), UnknownInterpreterError, 'ERR_UNKNOWN_INTERPRETER', /^Expected `interpreter` to be one of "node", .*, got /);
  });

  it('feeds a SQL file on stdin unless the command ends in a flag', () => {
    const sqlite = checkSteps([{ name: 's', script: 'load.sql' }], { ...ctx, interpreters: { '.sql': ['sqlite3', 'app.db'] } })[0]!;
    expect(sqlite).toMatchObject({ interpreter: '.sql', command: ['sqlite3', 'app.db'], stdin: true });
    const psql = checkSteps([{ name: 's', script: 'load.sql' }], { ...ctx, interpreters: { '.sql': ['psql', '-f'] } })[0]!;
    expect(psql).toMatchObject({ command: ['psql', '-f'], stdin: false });
    expect(steps1({ script: 'load.sql', interpreter: ['sqlite3', 'x.db'] })[0]!.stdin).toBe(true);
    expect(checkSteps([{ name: 's', script: 'a.js' }], { ...ctx, interpreters: { '.js': ['cat'] } })[0]!.stdin).toBe(false);
  });
});

describe('checkProgramOptions', () => {
  const program = (o: Record<string, unknown>) => checkProgramOptions({ steps: [{ name: 's', script: 'a.js' }], ...o }, ctx);

  it('fills the defaults with fresh arrays', () => {
    const fields = program({});
    expect(fields).toMatchObject({ config: {}, retries: 3, retryExitCodes: [75], skipExitCodes: [], retryDelayMs: 1000 });
    expect(fields.retryExitCodes).not.toBe(TASK_DEFAULTS.retryExitCodes);
    expect(fields.skipExitCodes).not.toBe(TASK_DEFAULTS.skipExitCodes);
    expect(fields.config).not.toBe(TASK_DEFAULTS.config);
  });

  it('takes valid values, deduplicating exit codes', () => {
    expect(program({ retries: 0, retryExitCodes: [75, 1, 75], skipExitCodes: [255, 255], retryDelay: '2 sec' }))
      .toMatchObject({ retries: 0, retryExitCodes: [75, 1], skipExitCodes: [255], retryDelayMs: 2000 });
    expect(program({ retryDelay: 0 }).retryDelayMs).toBe(0);
    expect(program({ retryDelay: '1 day' }).retryDelayMs).toBe(86_400_000);
  });

  it('drops codes of an explicit skipExitCodes from the default retryExitCodes', () => {
    expect(program({ skipExitCodes: [75] })).toMatchObject({ retryExitCodes: [], skipExitCodes: [75] });
  });

  it.each([-1, 2.5, '3', null])('rejects retries %j', (retries) => {
    expectError(() => program({ retries }), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `retries` to be an integer >= 0, got /);
  });

  it.each([[[0]], [[256]], [[1.5]], [['75']], ['75'], [null], [{}]])('rejects the exit codes %j', (codes) => {
    for (const option of ['retryExitCodes', 'skipExitCodes']) {
      expectError(() => program({ [option]: codes }), InvalidExitCodesError, 'ERR_INVALID_EXIT_CODES',
        new RegExp(`^Expected \`${option}\` to be an array of exit codes from 1 to 255 \\(0 means success\\), got `));
    }
  });

  it('rejects sparse exit code lists', () => {
    const codes: number[] = [];
    codes[1] = 3;
    expectError(() => program({ skipExitCodes: codes }), InvalidExitCodesError, 'ERR_INVALID_EXIT_CODES', /`skipExitCodes` to be an array of exit codes/);
  });

  it('rejects codes in both lists', () => {
    expectError(() => program({ retryExitCodes: [75, 3, 4], skipExitCodes: [4, 3] }), InvalidExitCodesError, 'ERR_INVALID_EXIT_CODES',
      /^Expected `retryExitCodes` and `skipExitCodes` to be lists with no exit code in common, got \[ 3, 4 \]\.$/);
  });

  it.each([-1, 86_400_001, '2 days', '1 month', 'soon', null])('rejects retryDelay %j', (retryDelay) => {
    expectError(() => program({ retryDelay }), InvalidDurationError, 'ERR_INVALID_DURATION', /^Expected `retryDelay` to be a duration from 0 ms to 1 day .*, got /);
  });

  it('stores a clean clone of config', () => {
    const config = { url: 'x', when: '1970-01-01T00:00:00.000Z', list: [1, { a: null }] };
    const fields = program({ config });
    expect(fields.config).toEqual({ url: 'x', when: '1970-01-01T00:00:00.000Z', list: [1, { a: null }] });
    expect(fields.config.list).not.toBe(config.list);
  });

  const circular: Record<string, unknown> = {};
  circular.me = circular;
  it.each([
    ['an array', [1], /a plain object of JSON values, got \[ 1 \]/], ['null', null, /a plain object of JSON values, got null/],
    ['a string', 'x', /a plain object of JSON values/], ['a Date', new Date(0), /a plain object of JSON values/],
    ['a cycle', circular, /a value that can be serialised as JSON, got /], ['a BigInt', { n: 1n }, /a value that can be serialised as JSON/],
    ['over 1 MB', { big: 'x'.repeat(1_048_576) }, /JSON of at most 1 MB \(1048576 bytes\), got "1048586 bytes"/],
  ])('rejects a config that is %s', (_what, config, message) => {
    expectError(() => program({ config }), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', new RegExp(`^Expected \`config\` to be ${message.source}`));
  });
});

describe('checkTaskExtras', () => {
  it('fills the defaults: concurrency 1 for a program, none for a script', () => {
    expect(checkTaskExtras({}, true)).toEqual({ on: [], concurrency: 1, keepRuns: 100, tags: [], description: null });
    expect(checkTaskExtras({}, false)).toEqual({ on: [], concurrency: null, keepRuns: 100, tags: [], description: null });
    expect(checkTaskExtras({}, true).on).not.toBe(TASK_DEFAULTS.on);
  });

  it('takes valid values, deduplicating lists', () => {
    expect(checkTaskExtras({ on: ['a.b', 'x:y', 'a.b'], concurrency: 4, keepRuns: 1, tags: ['etl', 'nightly', 'etl'], description: 'd'.repeat(10_000) }, false))
      .toEqual({ on: ['a.b', 'x:y'], concurrency: 4, keepRuns: 1, tags: ['etl', 'nightly'], description: 'd'.repeat(10_000) });
    expect(checkTaskExtras({ concurrency: null, description: null }, true)).toMatchObject({ concurrency: null, description: null });
  });

  it.each([[['ok', 'not ok'], 'on[1]'], [[''], 'on[0]'], [[5], 'on[0]']])('rejects the event types %j', (on, option) => {
    expectError(() => checkTaskExtras({ on }, true), InvalidEventTypeError, 'ERR_INVALID_EVENT_TYPE', new RegExp(`^Expected \`${option.replace(/[[\]]/g, '\\$&')}\` to be an event type matching `));
  });

  it.each([['tags', 'etl', 'an array of tags'], ['on', 'a.b', 'an array of event types']])('rejects a %s that is not an array', (option, value, expected) => {
    expectError(() => checkTaskExtras({ [option]: value }, true), InvalidOptionError, 'ERR_INVALID_OPTION', new RegExp(`^Expected \`${option}\` to be ${expected}, got "${value}"\\.$`));
  });

  it.each([[['a b']], [['']], [['x'.repeat(101)]], [[7]], [['ok', null]]])('rejects the tags %j', (tags) => {
    expectError(() => checkTaskExtras({ tags }, true), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `tags\[\d\]` to be a tag matching \/\^\[A-Za-z0-9\._:-\]\{1,100\}\$\/, got /);
  });

  it.each([['concurrency', 0], ['concurrency', 1.5], ['concurrency', '2'], ['keepRuns', 0], ['keepRuns', -3], ['keepRuns', null]])('rejects %s %j', (option, value) => {
    expectError(() => checkTaskExtras({ [option]: value }, true), InvalidOptionError, 'ERR_INVALID_OPTION', new RegExp(`^Expected \`${option}\` to be an integer >= 1, got `));
  });

  it.each(['d'.repeat(10_001), 5, ['x']])('rejects the description %j', (description) => {
    expectError(() => checkTaskExtras({ description }, true), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `description` to be a string of at most 10000 characters, got /);
  });
});

describe('buildTaskSpec: programs and the object form', () => {
  const build = (script: unknown, options?: unknown) => buildTaskSpec('t', script, options, {}, NOW);

  it('builds a program from the object form', () => {
    const spec = build({ steps: [{ name: 'a', script: 'a.js' }, { name: 'b', script: 'b.py', retries: 1 }], wd, timeout: '1 min', config: { k: 1 }, on: ['go'] });
    expect(spec).toMatchObject({ script: '', args: [], interpreter: null, command: [], infiniteLoop: false, concurrency: 1, config: { k: 1 }, on: ['go'], retries: 3, timeoutMs: 60_000 });
    expect(spec.steps!.map((s) => [s.name, s.timeoutMs, s.retries])).toEqual([['a', 60_000, null], ['b', 60_000, 1]]);
  });

  it('lets a program loop forever when asked', () => {
    expect(build({ steps: [{ name: 'a', script: 'a.js' }], wd, infiniteLoop: true }).infiniteLoop).toBe(true);
  });

  it('builds the same script task from both forms, with fresh default arrays', () => {
    const positional = build('a.js', { wd, config: { k: 'v' } });
    expect(build({ script: 'a.js', wd, config: { k: 'v' } })).toEqual(positional);
    expect(positional).toMatchObject({ script: 'a.js', interpreter: '.js', infiniteLoop: true, steps: null, config: { k: 'v' }, concurrency: null, keepRuns: 100, retryExitCodes: [75] });
    expect(positional.retryExitCodes).not.toBe(TASK_DEFAULTS.retryExitCodes);
    expect(positional.on).not.toBe(TASK_DEFAULTS.on);
    expect(positional.tags).not.toBe(TASK_DEFAULTS.tags);
  });

  it('rejects a third argument next to an options object', () => {
    expectError(() => build({ script: 'a.js', wd }, { wd }), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `options` to be absent when the second argument is an options object, got /);
  });

  it('rejects `script` among the options of the three-argument form', () => {
    expectError(() => build('a.js', { wd, script: 'b.js' }), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `options` to be made of known options \(.*\), got "script"\.$/);
  });

  it('rejects unknown options in the object form', () => {
    expectError(() => build({ script: 'a.js', wd, step: [] }), InvalidOptionError, 'ERR_INVALID_OPTION', /, script\), got "step"\.$/);
  });

  it.each([
    ['a `script` key', { script: 'a.js', steps: [{ name: 'a', script: 'a.js' }] }, undefined],
    ['a script argument', 'a.js', { steps: [{ name: 'a', script: 'a.js' }] }],
  ])('rejects steps with %s', (_what, script, options) => {
    expectError(() => build(script, options), ConflictingOptionsError, 'ERR_CONFLICTING_OPTIONS', /^Expected `script` and `steps` to be not both given \(they are mutually exclusive\), got \{ script: 'a\.js', steps: \[ \[Object\] \] \}\.$/);
  });

  it.each([[{ wd: '.' }, undefined], [undefined, undefined], ['', undefined], [{ script: '' }, undefined], [null, undefined], [42, { wd: '.' }], [['a.js'], undefined]])(
    'rejects neither a script nor steps (%j, %j)', (script, options) => {
      expectError(() => build(script, options), InvalidOptionError, 'ERR_INVALID_OPTION', /^Expected `script` to be a non-empty script path string, or `steps`, got /);
    });

  it.each([['interpreter', 'node'], ['args', ['x']]])('rejects a task-level %s on a program', (option, value) => {
    expectError(() => build({ steps: [{ name: 'a', script: 'a.js' }], wd, [option]: value }), InvalidOptionError, 'ERR_INVALID_OPTION',
      new RegExp(`^Expected \`${option}\` to be absent on a program \\(set \`${option}\` on each step\\), got `));
  });

  it.each([['retries', 2], ['retryExitCodes', [75]], ['skipExitCodes', []], ['retryDelay', 500]])('rejects %s on a script task', (option, value) => {
    expectError(() => build('a.js', { wd, [option]: value }), InvalidOptionError, 'ERR_INVALID_OPTION',
      new RegExp(`^Expected \`${option}\` to be used only on a program \\(a task with \`steps\`\\), got `));
  });

  it('checks the new options on a script task too', () => {
    expectError(() => build('a.js', { wd, config: [] }), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', /`config`/);
    expectError(() => build('a.js', { wd, on: ['a b'] }), InvalidEventTypeError, 'ERR_INVALID_EVENT_TYPE', /`on\[0\]`/);
    expectError(() => build({ script: 'a.js', wd, keepRuns: 0 }), InvalidOptionError, 'ERR_INVALID_OPTION', /`keepRuns`/);
  });

  it('checks the steps against the task wd, env staying per step', () => {
    expectError(() => build({ steps: [{ name: 'a', script: 'a.xyz' }], wd }), UnknownInterpreterError, 'ERR_UNKNOWN_INTERPRETER', /got "\.xyz"/);
    const spec = build({ steps: [{ name: 'a', script: 'c.js', wd: 'sub', env: { S: 1 } }], wd, env: { T: 2 } });
    expect(spec.env).toEqual({ T: '2' });
    expect(spec.steps![0]).toMatchObject({ wd: path.join(wd, 'sub'), env: { S: '1' } });
  });
});
