// Many waits at once on one Executor (waitRun, followRun…) each listen to its closing signal: Node must not warn
// about a listener leak (MaxListenersExceededWarning) on the user's stderr.
import { describe, expect, it } from 'vitest';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

describe('many waits at once', () => {
  it('runs 12 waitRun calls together without a MaxListenersExceededWarning', async () => {
    const { ex } = kit.make();
    await ex.addTask('once', fixture('once.js'), { infiniteLoop: false });
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { warnings.push(w.name); };
    process.on('warning', onWarning);
    try {
      const ids = await Promise.all(Array.from({ length: 12 }, () => ex.runTask('once')));
      const runs = await Promise.all(ids.map((id) => ex.waitRun(id, { timeout: T(20_000) })));
      expect(runs.every((r) => r.exitCode === 0)).toBe(true);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => w === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
