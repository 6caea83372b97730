// Bad input to the issue-4 API: each call rejects with a typed error whose message says what was expected and what
// was got, and writes nothing into the folder.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConflictingOptionsError, InvalidEventTypeError, InvalidExitCodesError, InvalidOptionError, InvalidPayloadError, InvalidStepsError,
  RunNotFoundError, type AddTaskOptions, type Executor,
} from '../../src/index.js';
import { expectRejected, useExecutors, type ErrorClass } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const FIX = fileURLToPath(new URL('../fixtures/program/', import.meta.url));
const STEP = 'hist-step.js';
const UNKNOWN_RUN = '20300101-000000-000-abcdef';

/** An Executor with a program `etl` and a script task `job` (nothing run yet). */
async function setup(): Promise<Executor> {
  const { ex } = kit.make();
  await ex.addTask('etl', { wd: FIX, steps: [{ name: 'one', script: STEP }] });
  await ex.addTask('job', STEP, { wd: FIX, infiniteLoop: false });
  return ex;
}

type Case = [what: string, call: (ex: Executor) => unknown, cls: ErrorClass, code: string, message: RegExp];
type Program = AddTaskOptions & { script?: string };
const program = (over: Program): Program => ({ wd: FIX, steps: [{ name: 'a', script: STEP }], ...over });
const stepWith = (over: Record<string, unknown>) => program({ steps: [{ name: 'a', script: STEP, ...over } as never] });

const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

const ADD_TASK: Case[] = [
  ['an empty steps list', (ex) => ex.addTask('p', program({ steps: [] })), InvalidStepsError, 'ERR_INVALID_STEPS', /`steps` to be a non-empty array of steps, got \[\]/],
  ['duplicate step names', (ex) => ex.addTask('p', program({ steps: [{ name: 'a', script: STEP }, { name: 'b', script: STEP }, { name: 'a', script: STEP }] })),
    InvalidStepsError, 'ERR_INVALID_STEPS', /`steps` to be steps with unique names, got "a"/],
  ['steps with a script argument', (ex) => ex.addTask('p', STEP, { wd: FIX, steps: [{ name: 'a', script: STEP }] }),
    ConflictingOptionsError, 'ERR_CONFLICTING_OPTIONS', /`script` and `steps` to be not both given.*got/],
  ['steps with a script option', (ex) => ex.addTask('p', program({ script: STEP })), ConflictingOptionsError, 'ERR_CONFLICTING_OPTIONS', /`script` and `steps`/],
  ['retries: -1', (ex) => ex.addTask('p', program({ retries: -1 })), InvalidOptionError, 'ERR_INVALID_OPTION', /`retries` to be an integer >= 0, got -1\./],
  ['retries: 1.5', (ex) => ex.addTask('p', program({ retries: 1.5 })), InvalidOptionError, 'ERR_INVALID_OPTION', /`retries` to be an integer >= 0, got 1\.5\./],
  ["retries: '3'", (ex) => ex.addTask('p', program({ retries: '3' as never })), InvalidOptionError, 'ERR_INVALID_OPTION', /`retries` to be an integer >= 0, got "3"\./],
  ['step retries: -1', (ex) => ex.addTask('p', stepWith({ retries: -1 })), InvalidOptionError, 'ERR_INVALID_OPTION', /`steps\[0\]\.retries` to be an integer >= 0, got -1\./],
  ['step retries: 1.5', (ex) => ex.addTask('p', stepWith({ retries: 1.5 })), InvalidOptionError, 'ERR_INVALID_OPTION', /`steps\[0\]\.retries` to be an integer >= 0, got 1\.5\./],
  ["step retries: '3'", (ex) => ex.addTask('p', stepWith({ retries: '3' })), InvalidOptionError, 'ERR_INVALID_OPTION', /`steps\[0\]\.retries` to be an integer >= 0, got "3"\./],
  ['retries on a script task', (ex) => ex.addTask('s', STEP, { wd: FIX, retries: 2 }), InvalidOptionError, 'ERR_INVALID_OPTION', /`retries` to be used only on a program.*got 2/],
  ['overlapping retry and skip codes', (ex) => ex.addTask('p', program({ retryExitCodes: [75, 3, 4], skipExitCodes: [4, 3] })),
    InvalidExitCodesError, 'ERR_INVALID_EXIT_CODES', /`retryExitCodes` and `skipExitCodes` to be lists with no exit code in common, got \[ 3, 4 \]/],
  ['0 in retryExitCodes', (ex) => ex.addTask('p', program({ retryExitCodes: [0, 75] })), InvalidExitCodesError, 'ERR_INVALID_EXIT_CODES',
    /`retryExitCodes` to be an array of exit codes from 1 to 255.*got \[ 0, 75 \]/],
  ['0 in skipExitCodes', (ex) => ex.addTask('p', program({ skipExitCodes: [3, 0] })), InvalidExitCodesError, 'ERR_INVALID_EXIT_CODES',
    /`skipExitCodes` to be an array of exit codes from 1 to 255.*got \[ 3, 0 \]/],
  ...['bad name', '.hidden', '-dash', 'x_20260101-120000', 'out.err', 'a/b', ''].map((name): Case => [
    `step name ${JSON.stringify(name)}`, (ex) => ex.addTask('p', stepWith({ name })), InvalidStepsError, 'ERR_INVALID_STEPS',
    new RegExp(`\`steps\\[0\\]\\.name\` to be a task name matching .*, got ${JSON.stringify(name).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\.`),
  ]),
  ['a non-string step name', (ex) => ex.addTask('p', stepWith({ name: 5 })), InvalidStepsError, 'ERR_INVALID_STEPS', /`steps\[0\]\.name` to be a task name .*, got 5\./],
  ['steps that are not an array', (ex) => ex.addTask('p', program({ steps: 'a.js' as never })), InvalidStepsError, 'ERR_INVALID_STEPS',
    /`steps` to be a non-empty array of steps, got "a\.js"/],
  ['an unknown step key', (ex) => ex.addTask('p', stepWith({ cmd: 'x' })), InvalidStepsError, 'ERR_INVALID_STEPS', /`steps\[0\]` to be made of known step keys .*, got "cmd"/],
  ['a step without a script', (ex) => ex.addTask('p', program({ steps: [{ name: 'a' } as never] })), InvalidStepsError, 'ERR_INVALID_STEPS',
    /`steps\[0\]\.script` to be a non-empty script path string, got undefined/],
  ['keepRuns: 0', (ex) => ex.addTask('p', program({ keepRuns: 0 })), InvalidOptionError, 'ERR_INVALID_OPTION', /`keepRuns` to be an integer >= 1, got 0\./],
  ['a tag with a space', (ex) => ex.addTask('p', program({ tags: ['ok', 'not ok'] })), InvalidOptionError, 'ERR_INVALID_OPTION', /`tags\[1\]` to be a tag matching .*, got "not ok"/],
  ['tags as a string', (ex) => ex.addTask('p', program({ tags: 'etl' as never })), InvalidOptionError, 'ERR_INVALID_OPTION', /`tags` to be an array of tags, got "etl"/],
  ['a description of 10001 characters', (ex) => ex.addTask('p', program({ description: 'd'.repeat(10_001) })), InvalidOptionError, 'ERR_INVALID_OPTION',
    /`description` to be a string of at most 10000 characters, got "d+\.\.\."/],
  ['a circular config', (ex) => ex.addTask('p', program({ config: circular })), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', /`config` to be a value that can be serialised as JSON/],
  ['a bad event type in on', (ex) => ex.addTask('p', program({ on: ['order created'] })), InvalidEventTypeError, 'ERR_INVALID_EVENT_TYPE',
    /`on\[0\]` to be an event type matching .*, got "order created"/],
];

const RUN_IDS: Case[] = (['getRun', 'cancelRun', 'saveRun', 'waitRun'] as const).flatMap((method): Case[] => {
  const call = (ex: Executor, runId: unknown) => (method === 'saveRun' ? ex.saveRun(runId as string, { name: 'x' })
    : method === 'waitRun' ? ex.waitRun(runId as string, { timeout: 2000 }) : ex[method](runId as string));
  return [
    [`${method} of an unknown run`, (ex) => call(ex, UNKNOWN_RUN), RunNotFoundError, 'ERR_RUN_NOT_FOUND', new RegExp(`\`runId\` to be a run of this folder, got "${UNKNOWN_RUN}"`)],
    [`${method} of a malformed id`, (ex) => call(ex, 'not a run id!'), InvalidOptionError, 'ERR_INVALID_OPTION', /`runId` to be a run id .*, got "not a run id!"/],
    [`${method} of a path`, (ex) => call(ex, '../tasks/etl'), InvalidOptionError, 'ERR_INVALID_OPTION', /`runId` to be a run id .*, got "\.\.\/tasks\/etl"/],
    [`${method} of a number`, (ex) => call(ex, 42), InvalidOptionError, 'ERR_INVALID_OPTION', /`runId` to be a run id .*, got 42/],
  ];
});

const huge = { text: 'x'.repeat(1_048_576) };
const PAYLOADS: Case[] = (['etl', 'job'] as const).flatMap((task): Case[] => [
  [`${task}: circular data`, (ex) => ex.runTask(task, { data: circular }), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', /`data` to be a value that can be serialised as JSON, got .*a: 1/],
  [`${task}: a BigInt in data`, (ex) => ex.runTask(task, { data: { n: 10n } }), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', /`data` to be a value that can be serialised as JSON, got \{ n: 10n \}/],
  [`${task}: data over 1 MB`, (ex) => ex.runTask(task, { data: huge }), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', /`data` to be JSON of at most 1 MB .*, got "1048587 bytes"/],
]);

const EVENTS: Case[] = [
  ...[['a space', 'order created'], ['empty', ''], ['too long', 'e'.repeat(101)], ['a slash', 'a/b'], ['a number', 5], ['none', undefined]].map(([what, type]): Case => [
    `emitEvent with ${String(what)}`, (ex) => ex.emitEvent(type as string, {}), InvalidEventTypeError, 'ERR_INVALID_EVENT_TYPE', /`type` to be an event type matching .*, got /,
  ]),
  ['emitEvent with a payload over 1 MB', (ex) => ex.emitEvent('order.created', huge), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', /`payload` to be JSON of at most 1 MB/],
  ['emitEvent with a circular payload', (ex) => ex.emitEvent('order.created', circular), InvalidPayloadError, 'ERR_INVALID_PAYLOAD', /`payload` to be a value that can be serialised as JSON/],
];

const QUERIES: Case[] = [
  ['listRuns with an unknown status', (ex) => ex.listRuns({ status: 'done' as never }), InvalidOptionError, 'ERR_INVALID_OPTION',
    /`status` to be one of "queued", "running", "succeeded", "failed", "cancelled", got "done"/],
  ['listRuns with limit 0', (ex) => ex.listRuns({ limit: 0 }), InvalidOptionError, 'ERR_INVALID_OPTION', /`limit` to be an integer >= 1, got 0\./],
  ['listRuns with limit 1.5', (ex) => ex.listRuns({ limit: 1.5 }), InvalidOptionError, 'ERR_INVALID_OPTION', /`limit` to be an integer >= 1, got 1\.5\./],
  ["listRuns with limit '5'", (ex) => ex.listRuns({ limit: '5' as never }), InvalidOptionError, 'ERR_INVALID_OPTION', /`limit` to be an integer >= 1, got "5"\./],
  ["listRuns with saved: 'yes'", (ex) => ex.listRuns({ saved: 'yes' as never }), InvalidOptionError, 'ERR_INVALID_OPTION', /`saved` to be a boolean, got "yes"/],
  ['listRuns with an unknown option', (ex) => ex.listRuns({ name: 'etl' } as never), InvalidOptionError, 'ERR_INVALID_OPTION', /`options` to be made of known options .*, got "name"/],
  ['listTasks with tag 5', (ex) => ex.listTasks({ tag: 5 as never }), InvalidOptionError, 'ERR_INVALID_OPTION', /`tag` to be a non-empty string, got 5\./],
  ["listTasks with tag ''", (ex) => ex.listTasks({ tag: '' }), InvalidOptionError, 'ERR_INVALID_OPTION', /`tag` to be a non-empty string, got ""/],
];

describe('bad input is rejected with a typed error and nothing written', () => {
  it.each([...ADD_TASK, ...RUN_IDS, ...PAYLOADS, ...EVENTS, ...QUERIES])('%s', async (_what, call, cls, code, message) => {
    const ex = await setup();
    await expectRejected(() => call(ex), cls, code, message, ex.folder);
  });

  it('no task was added by any rejected addTask', async () => {
    const ex = await setup();
    for (const [, call, cls, code, message] of ADD_TASK) await expectRejected(() => call(ex), cls, code, message, ex.folder);
    expect((await ex.listTasks()).map((r) => r.name).sort()).toEqual(['etl', 'job']);
  });
});

describe('saveRun without a proper name', () => {
  it.each<[string, unknown, RegExp]>([
    ['no options', undefined, /`options` to be an object with a `name`, got undefined/],
    ['no name', {}, /`name` to be a non-empty string of at most 200 characters, got undefined/],
    ['an empty name', { name: '' }, /`name` to be a non-empty string .*, got ""/],
    ['a blank name', { name: '   ' }, /`name` to be a non-empty string .*, got " {3}"/],
    ['a numeric name', { name: 7 }, /`name` to be a non-empty string .*, got 7/],
    ['a name over 200 characters', { name: 'n'.repeat(201) }, /`name` to be a non-empty string of at most 200 characters, got "n+\.\.\."/],
    ['a non-string description', { name: 'ok', description: 5 }, /`description` to be a string of at most 10000 characters, got 5/],
    ['an unknown option', { name: 'ok', pin: true }, /`options` to be made of known options \(name, description\), got "pin"/],
  ])('%s', async (_what, options, message) => {
    const ex = await setup();
    const runId = await ex.runTask('etl');
    expect((await ex.waitRun(runId, { timeout: T(15_000) })).status).toBe('succeeded');
    await expectRejected(() => ex.saveRun(runId, options as never), InvalidOptionError, 'ERR_INVALID_OPTION', message, ex.folder);
    expect((await ex.getRun(runId)).saved).toBeNull();
  });
});
