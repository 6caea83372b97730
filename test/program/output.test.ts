// A program's output through the Executor: readOut of a step (and of an earlier run), followOut across steps.
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, OutputNotFoundError } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS } from '../helpers/program.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

const steps = [
  { name: 'first', script: 'run-step.js' },
  { name: 'count', script: 'run-counter.js', env: { TARGET: '2' } },
  { name: 'last', script: 'run-step.js' },
];

describe('program output', () => {
  it('readOut reads one step of a run, the current (last) step by default, without headers; an earlier run by number or id', async () => {
    const { ex } = kit.make();
    await ex.addTask('p', { steps, wd: PROGRAM_FIXTURES, retryDelay: 50 });
    const first = await ex.waitRun(await ex.runTask('p'), { timeout: T(RUN_TIMEOUT_MS) });
    expect(first.status).toBe('succeeded');
    expect(await ex.readOut('p')).toEqual(['output of last']);
    expect(await ex.readOut('p', 10, { step: 'first' })).toEqual(['output of first']);
    // Both attempts of the retried step, each without its header and footer.
    expect(await ex.readOut('p', 10, { step: 'count' })).toEqual(['not yet 1', 'stdout after attempt 0', 'done at 2']);
    expect((await ex.readOut('p', 50, { step: 'count', raw: true })).some((l) => l.startsWith('# '))).toBe(true);
    const second = await ex.waitRun(await ex.runTask('p'), { timeout: T(RUN_TIMEOUT_MS) });
    expect(await ex.readOut('p', 10, { run: 1, step: 'first' })).toEqual(['output of first']);
    expect(await ex.readOut('p', 10, { run: first.runId, step: 'count' })).toEqual(['not yet 1', 'stdout after attempt 0', 'done at 2']);
    expect(second.steps[1]!.retries).toBe(1); // a checkpoint belongs to its run: a new run starts from none
    await expect(ex.readOut('p', 10, { step: 'nope' })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(ex.readOut('p', 10, { run: 5 })).rejects.toBeInstanceOf(OutputNotFoundError);
  });

  it('followOut follows the steps one after the other, across retries, without headers', async () => {
    const { ex } = kit.make();
    await ex.addTask('p', { steps, wd: PROGRAM_FIXTURES, retryDelay: 50 });
    const seen: string[] = [];
    const ac = new AbortController();
    const following = (async () => {
      for await (const line of ex.followOut('p', { signal: ac.signal, pollMs: 20 })) seen.push(line);
    })();
    const run = await ex.waitRun(await ex.runTask('p'), { timeout: T(RUN_TIMEOUT_MS) });
    expect(run.status).toBe('succeeded');
    await waitUntil(() => seen.includes('output of last'), { timeoutMs: 5_000, what: 'the last step followed' });
    ac.abort();
    await following;
    expect(seen).toEqual(['output of first', 'not yet 1', 'stdout after attempt 0', 'done at 2', 'output of last']);
  });

  it('followOut misses no step shorter than its poll, and goes on to the next run', async () => {
    const { ex } = kit.make();
    const quick = [{ name: 'q1', script: 'run-step.js' }, { name: 'q2', script: 'run-step.js' }, { name: 'q3', script: 'run-step.js' }];
    await ex.addTask('p', { steps: quick, wd: PROGRAM_FIXTURES });
    const seen: string[] = [];
    const ac = new AbortController();
    const following = (async () => {
      for await (const line of ex.followOut('p', { signal: ac.signal, pollMs: 400 })) seen.push(line);
    })();
    await ex.waitRun(await ex.runTask('p'), { timeout: T(RUN_TIMEOUT_MS) });
    await ex.waitRun(await ex.runTask('p'), { timeout: T(RUN_TIMEOUT_MS) });
    const all = ['output of q1', 'output of q2', 'output of q3'];
    await waitUntil(() => seen.length >= 6, { timeoutMs: 10_000, what: 'both runs followed' });
    ac.abort();
    await following;
    expect(seen).toEqual([...all, ...all]);
  });
});
