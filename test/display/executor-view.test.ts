// The Executor's own views, on a real folder with real processes: status() rows, out() with its summary, the notebook
// bundle of `ex` (folder, supervisor, badges) and what a REPL prints for `ex`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { JUPYTER_DISPLAY, OutputView, StatusTable, type MimeBundle } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';

const kit = useExecutors();

describe('Executor views', () => {
  it('status() gives printable rows; out() the last lines under a summary, escaped in HTML', async () => {
    const { ex, dir } = kit.make();
    const script = path.join(dir, 'talk.sh');
    writeFileSync(script, 'echo "<script>alert(1)</script>"\necho "line 2"\nexec sleep 30\n');
    await ex.addTask('talk', script, { interpreter: 'sh' });
    await ex.addTask('idle', script, { interpreter: 'sh', infiniteLoop: false });
    const started = await ex.startTask('talk');
    await waitUntil(async () => (await ex.readOut('talk', 5)).includes('line 2'), { what: 'the two lines' });

    const status = await ex.status();
    expect(status).toBeInstanceOf(StatusTable);
    expect(status.map((r) => [r.name, r.status, r.pid])).toEqual([['idle', 'idle', '-'], ['talk', 'running', String(started.pid)]]);
    expect(Object.values(status[1]!).every((v) => typeof v === 'string')).toBe(true);
    expect(status[1]!.mem).toMatch(/^\d+(\.\d)? (B|KB|MB|GB)$/);

    const out = await ex.out('talk', 5);
    expect(out).toBeInstanceOf(OutputView);
    expect(out.lines).toEqual(['<script>alert(1)</script>', 'line 2']);
    expect(out.summary).toMatch(new RegExp(`^talk · running · pid ${started.pid} · up `));
    const bundle = out[JUPYTER_DISPLAY]();
    expect(bundle['text/html']).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(bundle['text/html']).not.toContain('<script>');
  });

  it('renders `ex` as its folder and supervisor over the task table, and prints a short line in a REPL', async () => {
    const { ex, dir } = kit.make();
    await ex.addTask('job', path.join(dir, 'none.sh'), { interpreter: 'sh', infiniteLoop: false });
    const bundle = (await ex[JUPYTER_DISPLAY]()) as MimeBundle;
    expect(bundle['text/plain'].split('\n')[0]).toBe(`Executor ${ex.id} · ${ex.folder} · supervisor: none`);
    expect(bundle['text/html']).toMatch(/<table[^>]*>.*NAME.*job.*<\/table>/s);
    const sup = ex.keepRestarting({ sleep: 1 });
    try {
      await waitUntil(async () => (await ex.getSupervisor()) !== null, { what: 'the supervisor lease' });
      expect(((await ex[JUPYTER_DISPLAY]()) as MimeBundle)['text/plain']).toContain(`supervisor: pid ${process.pid} on `);
    } finally {
      await sup.stop();
    }
    expect(inspect(ex)).toBe(`Executor ${ex.id} { folder: ${JSON.stringify(ex.folder)} }`);
  });

  it('out() of an unknown task is a typed error', async () => {
    const { ex } = kit.make();
    await expect(ex.out('nope', 5)).rejects.toMatchObject({ code: 'ERR_TASK_NOT_FOUND' });
    await expect(ex.out('nope', -1)).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_/) });
  });
});

describe('the view of a run', () => {
  it('getRun() renders a program run with its steps, and stays a plain record for JSON and equality', async () => {
    const { ex, dir } = kit.make();
    const step = path.join(dir, 'step.sh');
    writeFileSync(step, 'echo "step <1>"\n');
    await ex.addTask('etl', { steps: [{ name: 'extract', script: step, interpreter: 'sh' }, { name: 'load', script: step, interpreter: 'sh' }] });
    const runId = await ex.runTask('etl');
    await ex.waitRun(runId, { timeout: 20_000 });
    const run = await ex.getRun(runId);
    expect(Object.keys(JSON.parse(JSON.stringify(run)) as object).sort()).toEqual(Object.keys(run).sort());
    expect({ ...run }).toEqual(run);
    const bundle = (run as unknown as Record<symbol, () => MimeBundle>)[JUPYTER_DISPLAY]!();
    expect(bundle['text/plain'], bundle['text/plain']).toMatch(/STEP.*STATUS.*extract.*completed.*load.*completed/s);
    expect(bundle['text/html']).toMatch(/STEP.*STATUS.*extract.*completed.*load.*completed/s);
    expect(bundle['text/plain']).toMatch(new RegExp(`^run\\s+${runId}\\ntask\\s+etl\\nstatus\\s+succeeded`));
    expect(inspect(run)).toBe(bundle['text/plain']);
  });
});

describe('watch()', () => {
  it('prints the table again when it changes, and ends on its signal or on close()', async () => {
    const { ex, dir } = kit.make();
    const script = path.join(dir, 'sleep.sh');
    writeFileSync(script, 'exec sleep 30\n');
    await ex.addTask('job', script, { interpreter: 'sh' });
    const printed: string[] = [];
    const stop = new AbortController();
    const watching = ex.watch({ signal: stop.signal, intervalMs: 100, write: (t) => printed.push(t) });
    await waitUntil(() => printed.length === 1, { what: 'the first table' });
    expect(printed[0]).toMatch(/supervisor: none\nNAME\s+STATUS.*\njob\s+idle/s);
    await ex.startTask('job');
    await waitUntil(() => printed.some((t) => /\njob\s+running/.test(t)), { what: 'the table with job running' });
    stop.abort();
    await expect(watching).resolves.toBeUndefined();
    const count = printed.length;
    const again = ex.watch({ intervalMs: 100, write: (t) => printed.push(t) });
    await waitUntil(() => printed.length > count, { what: 'a second watch' });
    await ex.close();
    await expect(again).resolves.toBeUndefined();
  });

  it('refuses bad options with typed errors', async () => {
    const { ex } = kit.make();
    await expect(ex.watch({ intervalMs: 10 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(ex.watch({ signal: 'soon' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(ex.watch('fast' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});
