// Issue 16: a manual run's secret env, queued for a slot, is masked in the task record while it waits and reaches the
// child when it starts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSecretsFileOf } from '../../src/task/secrets.js';
import { storedRecord, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { filesHolding, HASH_ENV, sha, unique, useSecretsDir } from './helpers.js';

const kit = useExecutors();
useSecretsDir(() => kit.tmpDir());

describe('a queued manual run with secret env', () => {
  it('waits with its secret masked in the record, then runs with the value; nothing of it stays in the folder or the store', async () => {
    const wd = path.join(kit.tmpDir(), 'wd');
    mkdirSync(wd);
    const hold = path.join(wd, 'go');
    const token = unique('queued-token');
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, { wd, concurrency: 1 });
    const first = await ex.runTask('api', { args: ['--hold', hold] });
    const queued = await ex.runTask('api', { env: { QUEUED_TOKEN: token, PLAIN: 'p' }, args: ['QUEUED_TOKEN', 'PLAIN'] });
    const record = JSON.stringify(storedRecord(ex.folder, 'api'));
    expect(record).toContain(queued);
    expect(record).not.toContain(token);
    expect(filesHolding(ex.folder, token)).toEqual([]);
    expect(existsSync(runSecretsFileOf(ex.folder, ex.id, 'api', queued))).toBe(true);
    writeFileSync(hold, '');
    await ex.waitRun(first, { timeout: T(20_000) });
    await ex.waitRun(queued, { timeout: T(20_000) });
    expect(await ex.readOut('api', 10, { run: queued })).toEqual([`QUEUED_TOKEN=${sha(token)}`, `PLAIN=${sha('p')}`]);
    await waitUntil(() => !existsSync(runSecretsFileOf(ex.folder, ex.id, 'api', queued)), { what: 'the queued run\'s kept env removed' });
    await ex.close();
    expect(filesHolding(ex.folder, token)).toEqual([]);
  });
});

describe('a cancelled queued run with secret env', () => {
  it('takes its kept secret env with it', async () => {
    const wd = path.join(kit.tmpDir(), 'wd');
    mkdirSync(wd);
    const hold = path.join(wd, 'go');
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, { wd, concurrency: 1 });
    const first = await ex.runTask('api', { args: ['--hold', hold] });
    const queued = await ex.runTask('api', { env: { QUEUED_TOKEN: unique('cancelled-token') }, args: ['QUEUED_TOKEN'] });
    const kept = runSecretsFileOf(ex.folder, ex.id, 'api', queued);
    expect(existsSync(kept)).toBe(true);
    expect(await ex.cancelRun(queued)).toMatchObject({ status: 'cancelled' });
    expect(existsSync(kept)).toBe(false);
    writeFileSync(hold, '');
    await ex.waitRun(first, { timeout: T(20_000) });
  });
});
