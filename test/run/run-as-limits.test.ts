// Issue 16, through the Executor: a task run as `nobody` (this process is root), with its limits and nice; a busy loop
// killed by its CPU limit is recorded with its reason.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAccount } from '../../src/process/user.js';
import { nextEvent, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/limits/${name}`, import.meta.url));
const nobody = resolveAccount({ user: 'nobody' })!;
// A working directory nobody may enter; the Executor's own folder stays 0700 (mkdtemp), root's.
let wd = '';
beforeAll(() => {
  wd = mkdtempSync(path.join(os.tmpdir(), 'exsdk-wd-'));
  chmodSync(wd, 0o755);
});
afterAll(() => rmSync(wd, { recursive: true, force: true }));

const keyValues = (lines: string[]): Record<string, string> =>
  Object.fromEntries(lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('a task run as another user, limited and niced', () => {
  it('runs as nobody with HOME, USER and LOGNAME, its openFiles limit and nice; output and exit recorded', async () => {
    const { ex } = kit.make();
    await ex.addTask('who', fixture('whoami.sh'), { wd, user: 'nobody', limits: { openFiles: 64 }, nice: 7 });
    const exited = nextEvent(ex, 'exit');
    await ex.startTask('who');
    const event = await exited;
    expect(event).toMatchObject({ exitCode: 0, signal: null, killedFor: null });
    expect(keyValues(await ex.readOut('who', 20))).toMatchObject({
      uid: String(nobody.uid), gid: String(nobody.gid), home: nobody.home, user: 'nobody', logname: 'nobody', nofile: '64', nice: '7',
    });
    expect(await ex.getRun(event.runId)).toMatchObject({ status: 'succeeded', exitCode: 0, exitUnknown: false });
    expect((await ex.readOut('who', 40, { raw: true })).join('\n')).toMatch(/^# host: .* {2}user: nobody$/m); // the header names the task's user
  }, T(20_000));

  it('records a busy loop killed at cpuSeconds: 1 with killedFor limit and limit cpuSeconds', async () => {
    const { ex } = kit.make();
    await ex.addTask('spin', fixture('busy.mjs'), { limits: { cpuSeconds: 1 } });
    const exited = nextEvent(ex, 'exit');
    await ex.startTask('spin');
    const event = await exited;
    expect(event).toMatchObject({ exitCode: null, signal: 'SIGXCPU', killedFor: 'limit', limit: 'cpuSeconds' });
    expect(await ex.getRun(event.runId)).toMatchObject({ status: 'failed', killedFor: 'limit', limit: 'cpuSeconds' });
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'failed', lastKill: 'limit' });
  }, T(20_000));

  it('records a busy loop as nobody killed by its CPU limit the same way', async () => {
    const { ex } = kit.make();
    await ex.addTask('spin', fixture('busy.mjs'), { wd, user: 'nobody', limits: { cpuSeconds: 1 } });
    const exited = nextEvent(ex, 'exit');
    await ex.startTask('spin');
    expect(await exited).toMatchObject({ signal: 'SIGXCPU', killedFor: 'limit', limit: 'cpuSeconds' });
  }, T(20_000));
});
