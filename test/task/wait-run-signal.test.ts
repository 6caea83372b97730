// waitRun's `signal`: aborting stops the waiting only (rejects with the signal's reason); the run goes on.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';

const TICKER = path.join(fileURLToPath(new URL('../fixtures/cli/edge/', import.meta.url)), 'ticker.js');
const kit = useExecutors();

describe('waitRun({ signal })', () => {
  it('rejects with the abort reason when the signal aborts, and the run is still running', async () => {
    const { ex } = kit.make();
    await ex.addTask('tick', TICKER, { infiniteLoop: false });
    const runId = await ex.runTask('tick');
    const ac = new AbortController();
    const waiting = ex.waitRun(runId, { signal: ac.signal });
    await waitUntil(async () => (await ex.readOut('tick', 5)).some((l) => l.startsWith('tick 1')), { what: 'two ticks' });
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect((await ex.getRun(runId)).status).toBe('running');
    await expect(ex.waitRun(runId, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' }); // already aborted
  });

  it('rejects a signal that is not an AbortSignal with InvalidOptionError', async () => {
    const { ex } = kit.make();
    await ex.addTask('tick', TICKER, { infiniteLoop: false });
    const runId = await ex.runTask('tick');
    await expect(ex.waitRun(runId, { signal: 'stop' as never })).rejects.toBeInstanceOf(InvalidOptionError);
  });
});
