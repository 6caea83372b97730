// The dashboard's output page in a real browser (issue 15): `/tasks/NAME/out` follows a task's output live, and keeps
// following it across a restart (the new run's lines appear on the same page, without a reload).
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../../src/index.js';
import { T } from '../../helpers/time.js';
import { waitUntil } from '../../helpers/wait.js';
import { BROWSER_FIXTURES, useBrowser } from './browser.js';

const kit = useBrowser();

/** The run id printed in the task's current output (`tick <runId> <i>`), once it has printed `lines` lines. */
async function currentTickRun(ex: Executor, name: string, lines = 1, not?: string): Promise<string> {
  return waitUntil(async () => {
    const out = await ex.readOut(name, 20);
    const ids = out.map((l) => /tick (\S+) \d+/.exec(l)?.[1]).filter((id): id is string => id !== undefined && id !== not);
    return ids.length >= lines && ids[ids.length - 1]!;
  }, { what: `${lines} tick line(s) of ${name}` });
}

describe('the output page', () => {
  it('shows the last lines, then new [data-line] elements as the task prints them, also across a restart', async () => {
    const { ex } = kit.make();
    await ex.addTask('ticker', { script: 'tick.js', wd: BROWSER_FIXTURES, env: { TICK_MS: 200 } });
    await ex.startTask('ticker');
    const first = await currentTickRun(ex, 'ticker', 2);
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(new URL('/tasks/ticker/out', ui.url).href);
    expect(await page.locator('body').getAttribute('data-page')).toBe('output');
    expect(await page.locator('[data-output]').getAttribute('data-follow')).toBe('ticker');
    const lines = page.locator('[data-output] [data-line]');
    const before = await lines.count();
    expect(before).toBeGreaterThanOrEqual(2);
    expect(await lines.first().textContent()).toBe(`tick ${first} 1`);
    await page.evaluate('window.__executorSameDocument = true');

    // New lines arrive live: three more than the page was rendered with (the task prints one every 200 ms).
    await lines.nth(before + 2).waitFor({ state: 'attached', timeout: T(10_000) });
    expect((await lines.allTextContents()).every((t) => t.startsWith(`tick ${first} `))).toBe(true);

    await ex.restartTask('ticker');
    const second = await currentTickRun(ex, 'ticker', 1, first);
    expect(second).not.toBe(first);
    await page.locator('[data-output] [data-line]', { hasText: `tick ${second} ` }).nth(1).waitFor({ state: 'attached', timeout: T(10_000) });
    expect(await page.evaluate('window.__executorSameDocument === true')).toBe(true);
  });
});
