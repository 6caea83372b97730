// keepRestarting's `ready`: resolves once the lease is held; rejects like `done` when another supervisor has it.
import { existsSync, watch } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeaseHeldError } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';

const kit = useExecutors();

describe('SupervisorHandle.ready', () => {
  it('resolves once supervising; a second supervisor on the folder rejects ready with LeaseHeldError', async () => {
    const { ex, dir } = kit.make();
    const first = ex.keepRestarting({ sleep: 1 });
    await first.ready;
    expect((await ex.tick()).supervised).toBe(true); // this process holds the lease
    const second = kit.open(path.join(dir, 'exec')).keepRestarting({ sleep: 1 });
    await expect(second.ready).rejects.toBeInstanceOf(LeaseHeldError);
    await first.stop();
    await expect(first.ready).resolves.toBeUndefined();
  });

  it('resolves when stopped before the lease was taken', async () => {
    const { ex } = kit.make();
    const handle = ex.keepRestarting({ sleep: 1 });
    await handle.stop();
    await expect(handle.ready).resolves.toBeUndefined();
    await expect(handle.done).resolves.toBeUndefined();
  });

  it('writes nothing to the folder once stop() has resolved, even when the lease was still being taken', async () => {
    const { ex } = kit.make();
    const handle = ex.keepRestarting({ sleep: 1 });
    await handle.stop();
    const changes: string[] = [];
    const watcher = watch(ex.folder, { recursive: true }, (_event, file) => changes.push(String(file)));
    try {
      // A late lease would create supervisor.lock and supervisor.json within a few ms: watch a generous window.
      const from = Date.now();
      await waitUntil(() => changes.length > 0 || Date.now() - from >= 300, { what: 'a quiet window' });
    } finally {
      watcher.close();
    }
    expect(changes).toEqual([]);
    expect(existsSync(path.join(ex.folder, 'supervisor.json'))).toBe(false);
  });
});
