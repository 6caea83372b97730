// The web dashboard (issue 15), `executor ui` spawned from the built bin, driven by playwright-core in Debian's
// Chromium (headless). 1. First contentful paint of `/` with TASKS tasks (goal ≤ 300 ms) against the same HTML served
// as a static string by a bare node:http server; the response times of GET / and GET /api/tasks; the page's weight.
// 2. A task's exit (its own `date +%s%N` stamp) to its badge leaving `running` in an open page (goal ≤ 200 ms), with
// no supervisor and under keepRestarting in the bench's process. 3. Idle CPU of `executor ui` with IDLE_TASKS running
// tasks and one open page (goal ≤ 1% of a core) against an idle Node process. 4. Its RSS and PSS.
import { launchBrowser } from './dashboard-harness.js';
import { firstPaint, paintFigures } from './dashboard-paint.js';
import { badgeFigures, exitToBadge, idle, idleFigures, pm2Daemon } from './dashboard-live.js';
import type { Figure } from './lib.js';

export { EXITS, IDLE_S, IDLE_TASKS, PAINT_GAP_MS, PAINTS, SETTLE_S, TASKS } from './dashboard-harness.js';

/** Runs the four measures in one browser; PM2's daemon last, alone. */
export async function benchDashboard(): Promise<{ figures: Figure[] }> {
  const browser = await launchBrowser();
  try {
    const paint = await firstPaint(browser);
    const badge = await exitToBadge(browser);
    const quiet = await idle(browser);
    await browser.close();
    const pm2 = await pm2Daemon();
    return { figures: [...paintFigures(paint), ...badgeFigures(badge), ...idleFigures(quiet, pm2)] };
  } finally {
    await browser.close();
  }
}

