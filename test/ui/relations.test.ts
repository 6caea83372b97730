// Issue 16 on the dashboard: a task page shows what the task depends on and chains after (as links), why it waits,
// and its process settings; a waiting row says what for beside its badge.
import { describe, expect, it } from 'vitest';
import { whyText } from '../../src/ui/pages/table.js';
import { UI_FIXTURES, useDashboard } from './kit.js';

const kit = useDashboard();

describe('relations on the dashboard', () => {
  it('links dependencies and chains on the task page, and shows env files, secret names, limits and nice', async () => {
    const { ex } = kit.make();
    await ex.addTask('db', { script: 'lines.js', wd: UI_FIXTURES, infiniteLoop: false });
    await ex.addTask('load', { script: 'lines.js', wd: UI_FIXTURES, infiniteLoop: false });
    await ex.addTask('api', {
      script: 'lines.js', wd: UI_FIXTURES, infiniteLoop: false, dependsOn: ['db'], after: [{ task: 'load', on: 'failure' }],
      envFile: { path: '.env.local', optional: true }, secretEnv: ['DSN'], limits: { openFiles: 256 }, nice: 5,
    });
    const ui = await kit.serve(ex);
    const page = (await ui.get('/tasks/api')).text;
    expect(page).toMatch(/<dd data-relation="depends on"><a href="\/tasks\/db">db<\/a><\/dd>/);
    expect(page).toMatch(/<dd data-relation="after"><a href="\/tasks\/load">load<\/a> <span class="muted">on failure<\/span><\/dd>/);
    expect(page).toContain('<dd data-relation="env files">.env.local (optional)</dd>');
    expect(page).toContain('<dd data-relation="secret env">DSN</dd>');
    expect(page).toContain('<dd data-relation="limits">openFiles 256</dd>');
    expect(page).toContain('<dd data-relation="nice">5</dd>');
    expect(page).toContain('<dd data-relation="waiting for">-</dd>');
    const [row] = (await ex.listTasks()).filter((r) => r.name === 'api');
    expect(whyText({ ...row!, status: 'waiting', waiting: 'db is failed' }, Date.now())).toBe('db is failed');
  });
});
