// A table larger than the server renders (FIRST_PAINT_ROWS): the first rows come in the HTML, the script adds the
// others from the stream's first message, every row in name order, and `/?all=1` renders all of them without script.
import { describe, expect, it } from 'vitest';
import { FIRST_PAINT_ROWS } from '../../../src/ui/pages/table.js';
import { waitUntil } from '../../helpers/wait.js';
import { request, useBrowser } from './browser.js';

const kit = useBrowser();
const TASKS = FIRST_PAINT_ROWS + 30;
const name = (i: number): string => `task-${String(i).padStart(4, '0')}`;

describe('a table of more rows than the server renders', () => {
  it('paints the first rows, then holds every task in name order, and filters across all of them', async () => {
    const { ex } = kit.make();
    for (let i = 0; i < TASKS; i++) await ex.addTask(name(i), { script: '/bin/true', infiniteLoop: false, tags: i % 2 === 0 ? ['even'] : [] });
    const ui = await kit.serve(ex);
    const html = (await request(ui.url, { path: '/' })).text;
    expect(html.match(/<tr data-task=/g)).toHaveLength(FIRST_PAINT_ROWS);
    expect(html).toContain(`data-more="${TASKS - FIRST_PAINT_ROWS}"`);
    expect((await request(ui.url, { path: '/?all=1' })).text.match(/<tr data-task=/g)).toHaveLength(TASKS);

    const page = await kit.page();
    await page.goto(ui.url);
    // Locator counts, not page functions: the page's CSP forbids evaluating strings in it.
    await waitUntil(async () => (await page.locator('tr[data-task]').count()) === TASKS, { timeoutMs: 10_000, what: `${TASKS} rows` });
    const names = await page.locator('tr[data-task]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-task')));
    expect(names).toEqual(Array.from({ length: TASKS }, (_, i) => name(i)));
    expect(await page.locator('[data-more]').isHidden()).toBe(true);
    await page.selectOption('select[data-filter="tag"]', 'even');
    await waitUntil(async () => (await page.locator('tr[data-task]:not([hidden])').count()) === Math.ceil(TASKS / 2), { timeoutMs: 5_000, what: 'the even rows only' });
  });
});
