// Bad input: a typed ExecutorError with a code and an "Expected … got …" message, and nothing on disk changes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CorruptRecordError, Executor, ExecutorError, InvalidEnvError, InvalidOptionError, InvalidPeriodError, InvalidStartError,
  InvalidTaskNameError, InvalidTimezoneError, ScriptNotFoundError, TaskNotFoundError, UnknownInterpreterError,
  WorkingDirectoryNotFoundError, type AddTaskOptions,
} from '../../src/index.js';
import {
  clusterUrl, expectRejected as expectRejectedIn, FIXTURES, literal, snapshotFolder, useExecutors, writeStoredRecord, type ErrorClass,
} from '../helpers/executor.js';

const kit = useExecutors();
let ex: Executor;
let dir: string;

beforeEach(async () => {
  ({ ex, dir } = kit.make());
  await ex.addTask('ok', 'loop.js', { wd: FIXTURES });
  await ex.addTask('ghost', 'missing.js', { wd: dir, infiniteLoop: false });
});

const expectRejected = (call: () => unknown, cls: ErrorClass, code: string, message: RegExp, folder = ex.folder): Promise<ExecutorError> =>
  expectRejectedIn(call, cls, code, message, folder);

describe('task names', () => {
  it.each(['../x', 'a/b', '', '.', 'a'.repeat(101)])('rejects %j', async (name) => {
    await expectRejected(() => ex.addTask(name, 'loop.js', { wd: FIXTURES }), InvalidTaskNameError, 'ERR_INVALID_TASK_NAME', /Expected `name` to be a task name matching/);
    const error = await expectRejected(() => ex.startTask(name), InvalidTaskNameError, 'ERR_INVALID_TASK_NAME', /`name`/);
    expect(error.message).toContain(JSON.stringify(name));
  });

  it('accepts a 100-character name', async () => {
    await ex.addTask('a'.repeat(100), 'loop.js', { wd: FIXTURES });
    expect((await ex.listTasks()).map((r) => r.name)).toContain('a'.repeat(100));
  });
});

describe('addTask / startTask arguments', () => {
  it('a script missing at startTask: ScriptNotFoundError, and the task stays idle', async () => {
    const error = await expectRejected(() => ex.startTask('ghost'), ScriptNotFoundError, 'ERR_SCRIPT_NOT_FOUND', /Expected `script` to be an existing file, got /);
    expect(error.message).toContain(path.join(dir, 'missing.js'));
    expect((await ex.listTasks()).find((r) => r.name === 'ghost')).toMatchObject({ status: 'idle', pid: null });
  });

  it('a wd that does not exist', async () => {
    const wd = path.join(dir, 'no', 'such', 'dir');
    const error = await expectRejected(() => ex.addTask('w', 'loop.js', { wd }), WorkingDirectoryNotFoundError, 'ERR_WD_NOT_FOUND', /Expected `wd` to be an existing directory/);
    expect(error.message).toContain(wd);
  });

  it('an unknown interpreter name', async () => {
    await expectRejected(() => ex.addTask('i', 'loop.js', { wd: FIXTURES, interpreter: 'cobol' }), UnknownInterpreterError, 'ERR_UNKNOWN_INTERPRETER', /Expected `interpreter` to be .*got "cobol"/);
  });

  it('an unknown extension of an existing non-executable file', async () => {
    await expectRejected(() => ex.addTask('i', 'plain.txt', { wd: FIXTURES }), UnknownInterpreterError, 'ERR_UNKNOWN_INTERPRETER', /Expected `interpreter` to be .*got "\.txt"/);
  });

  it.each(['2 minz', 'every tuesday', '', '-1 min', 42])('an unparseable period %j', async (period) => {
    await expectRejected(() => ex.addTask('p', 'once.js', { wd: FIXTURES, infiniteLoop: false, period: period as string }), InvalidPeriodError, 'ERR_INVALID_PERIOD', /Expected `period` to be a period like/);
  });

  it.each(['not a date', '2021-13-45 99:00:00', {}])('an unparseable start %j', async (start) => {
    await expectRejected(() => ex.addTask('p', 'once.js', { wd: FIXTURES, infiniteLoop: false, period: '1 day', start: start as string }), InvalidStartError, 'ERR_INVALID_START', /Expected `start` to be/);
  });

  it.each(['Mars/Olympus_Mons', 'not a zone', 5])('an unknown timezone %j', async (timezone) => {
    await expectRejected(() => ex.addTask('p', 'once.js', { wd: FIXTURES, infiniteLoop: false, period: '1 day', timezone: timezone as string }), InvalidTimezoneError, 'ERR_INVALID_TIMEZONE', /Expected `timezone` to be an IANA time zone/);
  });

  it.each([
    ['an object', { x: 1 }], ['an array', [1, 2]], ['null', null], ['undefined', undefined], ['NaN', Number.NaN], ['a function', () => 1],
  ])('an env value that is %s', async (_what, value) => {
    const env = { GOOD: 'yes', BAD: value } as unknown as AddTaskOptions['env'];
    await expectRejected(() => ex.addTask('e', 'loop.js', { wd: FIXTURES, env }), InvalidEnvError, 'ERR_INVALID_ENV', /Expected `env\.BAD` to be a string, number or boolean, got /);
  });
});

describe('keepRestarting', () => {
  it.each([0, -1, Number.NaN, '60'])('throws synchronously for sleep %j', (sleep) => {
    const before = snapshotFolder(ex.folder);
    expect(() => ex.keepRestarting({ sleep: sleep as number })).toThrow(InvalidOptionError);
    try { ex.keepRestarting({ sleep: sleep as number }); } catch (error) {
      expect(error).toMatchObject({ code: 'ERR_INVALID_OPTION' });
      expect((error as Error).message).toMatch(/Expected `sleep` to be a number of seconds > 0, got /);
    }
    expect(snapshotFolder(ex.folder)).toEqual(before);
  });
});

describe('unknown task names', () => {
  const calls: [string, (e: Executor) => unknown][] = [
    ['startTask', (e) => e.startTask('nope')],
    ['stopTask', (e) => e.stopTask('nope')],
    ['restartTask', (e) => e.restartTask('nope')],
    ['removeTask', (e) => e.removeTask('nope')],
    ['readOut', (e) => e.readOut('nope')],
    ['listOutputs', (e) => e.listOutputs('nope')],
    ['followOut', (e) => e.followOut('nope').next()],
    ['waitFor', (e) => e.waitFor('nope', 'running', { timeout: 5_000 })],
  ];
  it.each(calls)('%s gets TaskNotFoundError', async (_method, call) => {
    const error = await expectRejected(() => call(ex), TaskNotFoundError, 'ERR_TASK_NOT_FOUND', /Expected `name` to be an existing task, got "nope"/);
    expect((error as TaskNotFoundError).task).toBe('nope');
  });
});

describe('other arguments', () => {
  it.each([-1, 1.5, Number.NaN, '5'])('readOut rejects nTail %j', async (nTail) => {
    await expectRejected(() => ex.readOut('ok', nTail as number), InvalidOptionError, 'ERR_INVALID_OPTION', /Expected `nTail` to be an integer >= 0, got /);
  });

  it('readLog rejects a bad nTail', async () => {
    await expectRejected(() => ex.readLog(-3), InvalidOptionError, 'ERR_INVALID_OPTION', /Expected `nTail` to be an integer >= 0, got -3/);
  });

  it.each([
    ['killTimeout', { killTimeout: -1 }],
    ['keepArchives', { keepArchives: 1.5 }],
    ['interpreters', { interpreters: { '.py': 'python3' } }],
    ['id', { id: '../bad' }],
    ['options', 'fast'],
  ])('the constructor rejects bad %s without creating the folder', async (option, options) => {
    const folder = path.join(dir, 'fresh');
    const error = await expectRejected(() => new Executor(folder, options as never), InvalidOptionError, 'ERR_INVALID_OPTION', new RegExp(`Expected \`${option}`), dir);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(existsSync(folder)).toBe(false);
  });

  it('the constructor rejects an empty folder', async () => {
    await expectRejected(() => new Executor(''), InvalidOptionError, 'ERR_INVALID_OPTION', /Expected `folder` to be a non-empty folder path, got ""/, dir);
  });
});

// In the cluster project the record is the task's row (always JSON there: a cut file becomes a value of another shape),
// named `<url> <schema>.tasks (<name>)`.
describe('corrupted task file', () => {
  it('gives CorruptRecordError naming the file, while listTasks still lists the other tasks', async () => {
    const file = writeStoredRecord(ex.folder, 'bad', clusterUrl() === undefined ? '{ this is not json' : '"not a record"');
    const named = clusterUrl() === undefined ? 'bad\\.json' : literal(file);
    for (const call of [() => ex.startTask('bad'), () => ex.readOut('bad'), () => ex.stopTask('bad')]) {
      const error = await expectRejected(call, CorruptRecordError, 'ERR_CORRUPT_RECORD', new RegExp(`Expected .*${named} to hold a valid record, got `));
      expect((error as CorruptRecordError).file).toBe(file);
    }
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['ghost', 'ok']);
    expect((await ex.listRunningTasks()).map((r) => r.name)).toEqual(['ghost', 'ok']);
  });

  it('a hand-edited record with a wrong shape also names the file', async () => {
    const file = writeStoredRecord(ex.folder, 'ok', JSON.stringify({ hello: 'world' }));
    const error = await expectRejected(() => ex.startTask('ok'), CorruptRecordError, 'ERR_CORRUPT_RECORD', clusterUrl() === undefined ? /ok\.json/ : new RegExp(literal(file)));
    expect((error as CorruptRecordError).file).toBe(file);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['ghost']);
  });
});
