// Issue 13: the run ledger merges the patches of one run file made in one turn (a run closed, then its output
// archived, in one locked step) into one read and one write, in order, without reordering them around whole writes.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshRunExtras, type RunRecord } from '../../src/store/records.js';
import { RunLedger } from '../../src/store/run-ledger.js';
import { useStoreKit } from '../fixtures/store/kit.js';

const kit = useStoreKit();

function run(runId: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    formatVersion: 1, runId, task: 'job', trigger: 'manual', scheduledFor: null, startedAt: '2026-01-01T00:00:00.000Z', pid: 1, pidStartTime: 1,
    bootId: 'boot', endedAt: null, exitCode: null, signal: null, exitUnknown: false, stopped: false, outputFile: 'job.txt',
    errorFile: null, triggerTime: null, queuedAt: null, timedOut: false, killedFor: null, ...freshRunExtras('2026-01-01T00:00:00.000Z'), ...extra,
  };
}

function onDisk(folder: string, runId: string): RunRecord {
  return JSON.parse(readFileSync(path.join(folder, 'runs', 'job', `${runId}.json`), 'utf8')) as RunRecord;
}

describe('RunLedger', () => {
  it('writes patches of one run made in one turn together, in order: one write for both', async () => {
    const folder = kit.tmpDir();
    const ledger = new RunLedger(folder);
    await ledger.write(run('r1'));
    const closed = ledger.update('job', 'r1', { exitCode: 1, endedAt: '2026-01-01T00:00:01.000Z', outputFile: 'job.txt' });
    const archived = ledger.update('job', 'r1', { outputFile: 'job_20260101-000000.txt' });
    expect(archived).toBe(closed); // one write carries both
    await closed;
    expect(onDisk(folder, 'r1')).toMatchObject({ exitCode: 1, endedAt: '2026-01-01T00:00:01.000Z', outputFile: 'job_20260101-000000.txt', pid: 1 });
  });

  it('an absent run gets the first fallback, then the later patches of the turn', async () => {
    const folder = kit.tmpDir();
    mkdirSync(path.join(folder, 'runs'), { recursive: true });
    const ledger = new RunLedger(folder);
    const first = ledger.update('job', 'r2', { exitCode: 0 }, run('r2', { exitCode: 0, endedAt: '2026-01-01T00:00:02.000Z' }));
    void ledger.update('job', 'r2', { outputFile: 'job_x.txt' });
    await first;
    expect(onDisk(folder, 'r2')).toMatchObject({ exitCode: 0, endedAt: '2026-01-01T00:00:02.000Z', outputFile: 'job_x.txt' });
    expect(await ledger.update('job', 'r3', { exitCode: 1 })).toBeUndefined(); // absent, no fallback: nothing written
    expect(await ledger.read('job', 'r3')).toBeNull();
  });

  it('never moves a patch before a whole write made after it, nor after one made before it', async () => {
    const folder = kit.tmpDir();
    const ledger = new RunLedger(folder);
    await ledger.write(run('r4'));
    const before = ledger.update('job', 'r4', { exitCode: 3 });
    const whole = ledger.write(run('r4', { exitCode: 7, pid: 9 }));
    const after = ledger.update('job', 'r4', { signal: 'SIGTERM' });
    expect(after).not.toBe(before);
    await Promise.all([before, whole, after]);
    expect(onDisk(folder, 'r4')).toMatchObject({ exitCode: 7, pid: 9, signal: 'SIGTERM' });
    expect(await ledger.read('job', 'r4')).toMatchObject({ exitCode: 7, signal: 'SIGTERM' });
  });
});
