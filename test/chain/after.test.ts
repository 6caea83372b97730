// Chains (`after`), in one process with no supervisor: the downstream run starts once per upstream run that ends as
// asked (success, failure, end), with trigger `chain`, EXECUTOR_UPSTREAM_* env, the upstream data and `upstream` on its
// record; a loop through on: 'failure' stops at maxChainDepth; a disabled task does not fire; nextRuns says "after".
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Executor, RunRecord } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const CHAIN_FIXTURES = fileURLToPath(new URL('../fixtures/chain/', import.meta.url));
const kit = useExecutors();

/** A one-shot task running record.js, exiting with `exit`. */
function task(out: string, exit = 0, extra: Record<string, unknown> = {}) {
  return { script: 'record.js', wd: CHAIN_FIXTURES, infiniteLoop: false, env: { OUT_DIR: out, EXIT_CODE: String(exit) }, ...extra };
}

function ended(run: RunRecord): boolean {
  return run.endedAt !== null;
}

/** Waits until `task` has `count` ended runs; resolves with them, oldest first. */
async function endedRuns(ex: Executor, name: string, count: number): Promise<RunRecord[]> {
  return waitUntil(async () => {
    const runs = (await ex.listRuns({ task: name, limit: 100 })).filter(ended);
    return runs.length >= count ? runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt)) : null;
  }, { timeoutMs: 20_000, intervalMs: 50, what: `${count} ended runs of ${name}` });
}

/** What record.js wrote for run `runId` of `name`. */
function seen(out: string, name: string, runId: string): { trigger: string; upstreamRun: string | null; upstreamExit: string | null; input: { data: unknown; upstream?: unknown } | null } {
  return JSON.parse(readFileSync(path.join(out, `${name}.${runId}.json`), 'utf8'));
}

describe('after: chains in one process', () => {
  it('starts the downstream once per upstream run, on success / failure / end, with env, data and upstream', async () => {
    const { ex, dir } = kit.make();
    const out = mkdtempSync(path.join(dir, 'out-'));
    await ex.addTask('load', task(out, 0));
    await ex.addTask('report', task(out, 0, { after: [{ task: 'load', on: 'success' }] }));
    await ex.addTask('cleanup', task(out, 0, { after: [{ task: 'load', on: 'failure' }] }));
    await ex.addTask('audit', task(out, 0, { after: [{ task: 'load', on: 'end' }] }));

    const ok = await ex.waitRun(await ex.runTask('load', { data: { batch: 1 } }), { timeout: T(20_000) });
    expect(ok.status).toBe('succeeded');
    const [report] = await endedRuns(ex, 'report', 1);
    const [audit] = await endedRuns(ex, 'audit', 1);
    for (const run of [report!, audit!]) {
      expect(run).toMatchObject({ trigger: 'chain', status: 'succeeded', data: { batch: 1 }, upstream: { task: 'load', runId: ok.runId, exitCode: 0, depth: 1 } });
      const s = seen(out, run.task, run.runId);
      expect(s).toMatchObject({ trigger: 'chain', upstreamRun: ok.runId, upstreamExit: '0', input: { data: { batch: 1 } } });
    }
    expect(await ex.listRuns({ task: 'cleanup' })).toEqual([]);

    // A failing run of load: cleanup and audit fire, report does not.
    const bad = await ex.waitRun(await ex.runTask('load', { env: { EXIT_CODE: '3' } }), { timeout: T(20_000) });
    expect(bad.exitCode).toBe(3);
    const [cleanup] = await endedRuns(ex, 'cleanup', 1);
    const audits = await endedRuns(ex, 'audit', 2);
    expect(cleanup).toMatchObject({ trigger: 'chain', upstream: { task: 'load', runId: bad.runId, exitCode: 3, depth: 1 }, data: null });
    expect(seen(out, 'cleanup', cleanup!.runId)).toMatchObject({ upstreamRun: bad.runId, upstreamExit: '3' });
    expect(audits[1]!.upstream).toMatchObject({ runId: bad.runId, exitCode: 3 });
    expect(await ex.listRuns({ task: 'report' })).toHaveLength(1);
    // Exactly once: nothing more comes, and no chain file is left in the inbox.
    await waitUntil(() => !existsSync(path.join(dir, 'exec', 'events')) || readdirSync(path.join(dir, 'exec', 'events')).length === 0, { what: 'an empty inbox' });
    expect((await ex.listRuns({ task: 'audit' })).length).toBe(2);
  }, T(60_000));

  it('loops back through on: failure until maxChainDepth, then warns and stops', async () => {
    const { ex, dir } = kit.make();
    const out = mkdtempSync(path.join(dir, 'out-'));
    const warnings: { message: string; code?: string }[] = [];
    ex.on('warning', (w) => warnings.push(w));
    await ex.addTask('retry', task(out, 1, { after: [{ task: 'retry', on: 'failure' }], maxChainDepth: 3 }));
    const first = await ex.runTask('retry', { data: { attempt: 'x' } });
    const runs = await endedRuns(ex, 'retry', 4);
    await waitUntil(() => warnings.some((w) => w.code === 'ERR_CHAIN_DEPTH'), { what: 'the maxChainDepth warning' });
    expect(runs[0]!.runId).toBe(first);
    expect(runs.map((r) => r.upstream?.depth ?? 0)).toEqual([0, 1, 2, 3]);
    for (let i = 1; i < 4; i++) expect(runs[i]).toMatchObject({ trigger: 'chain', data: { attempt: 'x' }, upstream: { task: 'retry', runId: runs[i - 1]!.runId, exitCode: 1 } });
    expect(warnings.find((w) => w.code === 'ERR_CHAIN_DEPTH')!.message).toMatch(/maxChainDepth \(3\)/);
    expect(readFileSync(path.join(dir, 'exec', 'executor.log'), 'utf8')).toMatch(/Chain retry .*not started.*maxChainDepth/);
    expect((await ex.listRuns({ task: 'retry' })).length).toBe(4);
  }, T(60_000));

  it('does not fire a disabled task (logged), and nextRuns says "after load"', async () => {
    const { ex, dir } = kit.make();
    const out = mkdtempSync(path.join(os.tmpdir(), 'exsdk-out-'));
    await ex.addTask('load', task(out, 0));
    await ex.addTask('report', task(out, 0, { after: [{ task: 'load', on: 'success' }, { task: 'load', on: 'failure' }] }));
    expect(await ex.nextRuns('report')).toEqual(['after load', 'after load (on failure)']);
    expect((await ex.listTasks()).find((r) => r.name === 'report')!.nextRun).toBeNull();
    expect(await ex.nextRuns('load')).toEqual([]);
    await ex.disableTask('report');
    expect(await ex.nextRuns('report')).toEqual([]);
    const run = await ex.waitRun(await ex.runTask('load'), { timeout: T(20_000) });
    const log = path.join(dir, 'exec', 'executor.log');
    await waitUntil(() => readFileSync(log, 'utf8').includes(`Chain load (run ${run.runId}, success) → report: no run: report is disabled`), { what: 'the disabled log line' });
    expect(await ex.listRuns({ task: 'report' })).toEqual([]);
  }, T(30_000));

  it('works with programs upstream and downstream: the step reads the upstream in its input file', async () => {
    const { ex, dir } = kit.make();
    const out = mkdtempSync(path.join(dir, 'out-'));
    const env = { OUT_DIR: out, EXIT_CODE: '0' };
    await ex.addTask('pload', { wd: CHAIN_FIXTURES, env, steps: [{ name: 'one', script: 'record.js' }] });
    await ex.addTask('preport', { wd: CHAIN_FIXTURES, env, steps: [{ name: 'two', script: 'record.js' }], after: [{ task: 'pload', on: 'success' }] });
    const up = await ex.waitRun(await ex.runTask('pload', { data: [1, 2] }), { timeout: T(20_000) });
    expect(up.status).toBe('succeeded');
    const [down] = await endedRuns(ex, 'preport', 1);
    const upstream = { task: 'pload', runId: up.runId, exitCode: 0, depth: 1 };
    expect(down).toMatchObject({ trigger: 'chain', status: 'succeeded', data: [1, 2], upstream });
    expect(seen(out, 'preport', down!.runId).input).toMatchObject({ trigger: 'chain', data: [1, 2], upstream });
  }, T(30_000));
});
