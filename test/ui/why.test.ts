// The reason pill next to a table badge: why a task is held back, from its real row.
import { describe, expect, it } from 'vitest';
import { taskRowHtml, whyText } from '../../src/ui/pages/table.js';
import { useExecutors } from '../helpers/executor.js';

describe('whyText', () => {
  const kit = useExecutors();

  it('says nothing for an idle task, and explains backoff, queued runs and the executor\'s own kills', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', { script: '/bin/true', infiniteLoop: false });
    const [row] = await ex.listTasks();
    const now = Date.now();
    expect(whyText(row!, now)).toBeNull();
    expect(taskRowHtml(row!, now, false)).not.toContain('data-why');
    const backoff = { ...row!, status: 'backoff' as const, backoffUntil: new Date(now + 12_000).toISOString() };
    expect(whyText(backoff, now)).toBe('restart in 12s');
    expect(taskRowHtml(backoff, now, false)).toContain('<span class="pill" data-why>restart in 12s</span>');
    expect(whyText({ ...row!, queued: 2 }, now)).toBe('2 queued');
    expect(whyText({ ...row!, status: 'failed', lastKill: 'timeout' }, now)).toBe('timed out');
    expect(whyText({ ...row!, status: 'running', lastKill: 'memory' }, now)).toBe('over maxMemory');
    expect(whyText({ ...row!, status: 'failed', lastKill: 'limit' }, now)).toBe('killed by a limit');
  });
});
