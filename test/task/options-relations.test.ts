// Bad values of issue 16's addTask options: each an InvalidOptionError naming the option, with nothing written.
import path from 'node:path';
import { describe, it } from 'vitest';
import { InvalidOptionError, type AddTaskOptions } from '../../src/index.js';
import { expectRejected, fixture, useExecutors } from '../helpers/executor.js';

const kit = useExecutors();

const BAD: [string, AddTaskOptions, RegExp][] = [
  ['dependsOn not an array', { dependsOn: 'db' as unknown as string[] }, /`dependsOn`/],
  ['dependsOn with a bad name', { dependsOn: ['../x'] }, /`dependsOn\[0\]`/],
  ['ready with two checks', { ready: { port: 1, file: 'x' } as never }, /`ready`/],
  ['ready.port out of range', { ready: { port: 70_000 } }, /`ready\.port`/],
  ['ready.afterMs negative', { ready: { afterMs: -1 } }, /`ready\.afterMs`/],
  ['ready.line empty', { ready: { line: '' } }, /`ready\.line`/],
  ['readyTimeout 0', { readyTimeout: 0 }, /`readyTimeout`/],
  ['restartWith not a boolean', { restartWith: 'yes' as never }, /`restartWith`/],
  ['after with an unknown key', { after: [{ task: 'a', when: 'x' } as never] }, /`after\[0\]`/],
  ['after.on unknown', { after: [{ task: 'a', on: 'maybe' as never }] }, /`after\[0\]\.on`/],
  ['maxChainDepth 0', { maxChainDepth: 0 }, /`maxChainDepth`/],
  ['envFile empty', { envFile: '' }, /`envFile`/],
  ['envFile entry with a bad optional', { envFile: [{ path: '.env', optional: 'no' as never }] }, /`envFile\[0\]`/],
  ['secretEnv with a name holding =', { secretEnv: ['A=B'] }, /`secretEnv`/],
  ['user with a space', { user: 'a b' }, /`user`/],
  ['limits with an unknown limit', { limits: { swap: 1 } as never }, /`limits`/],
  ['limits.memory too small', { limits: { memory: 10 } }, /`limits\.memory`/],
  ['limits.cpuSeconds 0', { limits: { cpuSeconds: 0 } }, /`limits\.cpuSeconds`/],
  ['nice out of range', { nice: 20 }, /`nice`/],
];

describe('addTask: issue 16 options, bad values', () => {
  for (const [what, options, message] of BAD) {
    it(`refuses ${what}, writing nothing`, async () => {
      const { ex, dir } = kit.make();
      await expectRejected(() => ex.addTask('job', fixture('i3-sched-ok.js'), options), InvalidOptionError, 'ERR_INVALID_OPTION', message, path.join(dir, 'exec'));
    });
  }
});
