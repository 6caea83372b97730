// waitFor's `signal`: aborting stops the waiting at once (rejects with the signal's reason), its polling ends with
// it, and the task is left as it is; a signal that is not an AbortSignal is refused before anything.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const TICKER = path.join(fileURLToPath(new URL('../fixtures/cli/edge/', import.meta.url)), 'ticker.js');
const kit = useExecutors();

describe('waitFor({ signal })', () => {
  it('rejects with the abort reason long before its timeout, and the task keeps running', async () => {
    const { ex } = kit.make();
    await ex.addTask('tick', TICKER, { infiniteLoop: false });
    await ex.startTask('tick');
    await waitUntil(async () => (await ex.readOut('tick', 5)).some((l) => l.startsWith('tick 1')), { what: 'two ticks' });
    const ac = new AbortController();
    const started = Date.now();
    const waiting = ex.waitFor('tick', 'succeeded', { timeout: T(60_000), signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(T(10_000));
    expect((await ex.listTasks()).find((r) => r.name === 'tick')?.status).toBe('running');
    await expect(ex.waitFor('tick', 'succeeded', { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' }); // already aborted
    await expect(ex.waitFor('tick', 'running', { signal: AbortSignal.timeout(T(5_000)) })).resolves.toMatchObject({ name: 'tick', status: 'running' });
  });

  it('refuses a signal that is not an AbortSignal, and an unknown option', async () => {
    const { ex } = kit.make();
    await ex.addTask('tick', TICKER, { infiniteLoop: false });
    await expect(ex.waitFor('tick', 'running', { signal: 'stop' as never })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(ex.waitFor('tick', 'running', { abort: true } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});
