// Chains across processes (the built dist/ in a child supervisor, two in-process Executors on the same folder): each
// upstream run fires its chain exactly once, whoever records its close; a chain file left by a crash is picked up.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor, RunRecord } from '../../src/index.js';
import { clusterSql, clusterUrl } from '../helpers/executor.js';
import { useFolders } from '../helpers/folder.js';
import { spawnJsonLines, type JsonLinesChild } from '../helpers/json-child.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const CHAIN_FIXTURES = fileURLToPath(new URL('../fixtures/chain/', import.meta.url));
const SUPERVISOR = path.join(CHAIN_FIXTURES, 'supervise.mjs');
const UPSTREAM_RUNS = 12;

const kit = useFolders();
const children: JsonLinesChild<number | null>[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
});

/** A supervisor in another process (dist/), once it holds the lease. */
async function childSupervisor(folder: string): Promise<JsonLinesChild<number | null>> {
  const child = spawnJsonLines(SUPERVISOR, [folder], { stdin: 'ignore', what: 'supervisor', mapExit: (code) => code });
  children.push(child);
  await child.line((l) => 'supervising' in l, 15_000);
  return child;
}

function task(out: string, extra: Record<string, unknown> = {}) {
  return { script: 'record.js', wd: CHAIN_FIXTURES, infiniteLoop: false, env: { OUT_DIR: out, EXIT_CODE: '0' }, ...extra };
}

/** The pending events and chains: the folder's `events/` files, or in the `cluster` project the `events` table's rows (as file names). */
function inbox(folder: string): string[] {
  if (clusterUrl() !== undefined) return clusterSql(folder, `SELECT id || '.json' FROM {schema}.events WHERE kind <> 'note' ORDER BY id`).split('\n').filter(Boolean);
  const dir = path.join(folder, 'events');
  return existsSync(dir) ? readdirSync(dir) : [];
}

async function endedRuns(ex: Executor, name: string, count: number): Promise<RunRecord[]> {
  return waitUntil(async () => {
    const runs = (await ex.listRuns({ task: name, limit: 1000 })).filter((r) => r.endedAt !== null);
    return runs.length >= count ? runs : null;
  }, { timeoutMs: 40_000, intervalMs: 100, what: `${count} ended runs of ${name}` });
}

describe('after: chains across processes', () => {
  it('fires exactly once per upstream run while two Executors and a supervisor in another process watch the folder', async () => {
    const folder = kit.folder();
    const out = kit.scratch();
    const a = kit.open(folder);
    const b = kit.open(folder);
    await a.addTask('load', task(out));
    // concurrency 1: chain runs also queue (and take their upstream from the note when they end).
    await b.addTask('report', task(out, { after: [{ task: 'load', on: 'end' }], concurrency: 1 }));
    await childSupervisor(folder);

    const ids = await Promise.all([...Array(UPSTREAM_RUNS).keys()].map((i) => (i % 2 === 0 ? a : b).runTask('load', { data: { i }, env: { EXIT_CODE: String(i % 3) } })));
    const loads = await Promise.all(ids.map((id, i) => (i % 2 === 0 ? b : a).waitRun(id, { timeout: T(40_000) })));
    const reports = await endedRuns(a, 'report', UPSTREAM_RUNS);
    await waitUntil(() => inbox(folder).length === 0, { timeoutMs: 10_000, what: 'an empty inbox' });
    // Nothing more: one report per load run, each naming its own upstream.
    const again = await b.listRuns({ task: 'report', limit: 1000 });
    expect(again).toHaveLength(UPSTREAM_RUNS);
    expect(new Set(reports.map((r) => r.upstream?.runId))).toEqual(new Set(ids));
    const byUpstream = new Map(loads.map((l) => [l.runId, l]));
    for (const r of reports) {
      const up = byUpstream.get(r.upstream!.runId)!;
      expect(r).toMatchObject({ trigger: 'chain', status: 'succeeded', data: up.data, upstream: { task: 'load', exitCode: up.exitCode, depth: 1 } });
      const seen = JSON.parse(readFileSync(path.join(out, `report.${r.runId}.json`), 'utf8'));
      expect(seen).toMatchObject({ trigger: 'chain', upstreamRun: up.runId, upstreamExit: String(up.exitCode), input: { data: up.data } });
    }
    expect(new Set(readdirSync(out).filter((f) => f.startsWith('report.')))).toEqual(new Set(reports.map((r) => `report.${r.runId}.json`)));
  }, T(90_000));

  it('keeps a chain whose start was left to a supervisor that died: the next supervisor starts it once', async () => {
    const folder = kit.folder();
    const out = kit.scratch();
    const ex = kit.open(folder);
    await ex.addTask('load', task(out));
    await ex.addTask('report', task(out, { after: [{ task: 'load', on: 'success' }] }));
    const child = await childSupervisor(folder);
    child.child.kill('SIGSTOP'); // alive, holding the lease, doing nothing
    const load = await ex.waitRun(await ex.runTask('load', { data: 'payload' }), { timeout: T(20_000) });
    expect(load.status).toBe('succeeded');
    // The close was recorded here; the chain was left to the (frozen) supervisor, durably.
    await waitUntil(() => inbox(folder).includes(`chain.${load.runId}.json`), { what: 'the chain file' });
    expect(await ex.listRuns({ task: 'report' })).toEqual([]);
    child.child.kill('SIGKILL');
    await child.exited;

    // The dead holder's lease is taken over once its lock has been quiet a while (LeaseHeldError until then).
    await waitUntil(async () => {
      const handle = kit.supervise(ex, { sleep: 1 });
      return handle.ready.then(() => true, () => false);
    }, { timeoutMs: 20_000, intervalMs: 250, what: 'the lease of the dead supervisor' });
    const [report] = await endedRuns(ex, 'report', 1);
    expect(report).toMatchObject({ trigger: 'chain', data: 'payload', upstream: { task: 'load', runId: load.runId, exitCode: 0, depth: 1 } });
    await waitUntil(() => inbox(folder).length === 0, { what: 'an empty inbox' });
    expect(await ex.listRuns({ task: 'report' })).toHaveLength(1);
  }, T(60_000));
});
