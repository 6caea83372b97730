// The dashboard's output page in a real browser (issue 15): the lines a page was rendered with and the ones its live
// feed (`/api/stream?follow=NAME`) adds afterwards join without a gap: a line printed between the page's render and
// the feed's start is neither lost nor shown twice.
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../../src/index.js';
import { T } from '../../helpers/time.js';
import { waitUntil } from '../../helpers/wait.js';
import { BROWSER_FIXTURES, useBrowser } from './browser.js';

const kit = useBrowser();

/** The run id printed in the task's current output (`tick <runId> <i>`), once it has printed `lines` lines. */
async function currentTickRun(ex: Executor, name: string, lines: number): Promise<string> {
  return waitUntil(async () => {
    const ids = (await ex.readOut(name, 20)).map((l) => /tick (\S+) \d+/.exec(l)?.[1]).filter((id): id is string => id !== undefined);
    return ids.length >= lines && ids[ids.length - 1]!;
  }, { what: `${lines} tick line(s) of ${name}` });
}

describe('the output page', () => {
  it('loses no line between the lines the page was rendered with and the ones its live feed adds', async () => {
    const { ex } = kit.make();
    await ex.addTask('ticker', { script: 'tick.js', wd: BROWSER_FIXTURES, env: { TICK_MS: 100 } });
    await ex.startTask('ticker');
    const first = await currentTickRun(ex, 'ticker', 2);
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(new URL('/tasks/ticker/out', ui.url).href);
    const lines = page.locator('[data-output] [data-line]');
    const before = await lines.count();
    await lines.nth(before + 10).waitFor({ state: 'attached', timeout: T(10_000) });
    const numbers = (await lines.allTextContents()).map((t) => (t.startsWith(`tick ${first} `) ? Number(t.split(' ')[2]) : NaN));
    expect(numbers, `every line once, in order (the page was rendered with ${before})`).toEqual(numbers.map((_, i) => i + 1));
  });
});
