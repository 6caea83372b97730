// ex.serve() and ex.close(): close() ends the dashboard; a closed Executor serves nothing; a handle closed first
// leaves nothing for close() to do.
import { describe, expect, it } from 'vitest';
import { useDashboard } from './kit.js';

const kit = useDashboard();

describe('serve and close', () => {
  it('stops listening when the Executor is closed, and refuses to serve once closed', async () => {
    const { ex } = kit.make();
    const handle = await ex.serve({ port: 0 });
    expect((await fetch(`${handle.url}api/tasks`)).status).toBe(200);
    await ex.close();
    await expect(fetch(`${handle.url}api/tasks`)).rejects.toThrow();
    await expect(ex.serve({ port: 0 })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('closes from its handle, twice harmlessly, before the Executor closes', async () => {
    const { ex } = kit.make();
    const handle = await ex.serve({ port: 0 });
    await handle.close();
    await handle.close();
    await expect(fetch(`${handle.url}api/tasks`)).rejects.toThrow();
    await ex.close();
  });
});
