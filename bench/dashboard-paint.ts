// The dashboard bench, part 1: first contentful paint of `/` with TASKS tasks against the same page served
// statically, the time until every row is in the page, GET / and /api/tasks, and the page's weight.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { FIRST_PAINT_ROWS } from '../src/ui/pages/table.js';
import { FIXTURES, fmtMs, median, newExecutor, pause, tempFolder, type Figure } from './lib.js';
import { addTasks, GOAL_PAGE_GZ_KB, GOAL_PAINT_MS, KB, kb, PAINT_GAP_MS, PAINTS, pageUntil, spawnStatic, spawnUi, spread, stopServer, TASKS } from './dashboard-harness.js';

// ---- 1. first paint, response times, weight --------------------------------------------------------------------

interface Paint { fcp: number; responseEnd: number; dcl: number; allRows: number }

// A fresh context (empty cache) and page; FCP and the navigation's responseEnd, ms from navigation start; and when
// every one of the TASKS rows was in the page (the server renders the first rows, the script appends the rest).
export async function paintOnce(browser: Browser, url: string): Promise<Paint> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url, { waitUntil: 'load' });
    await pageUntil(page, "performance.getEntriesByName('first-contentful-paint').length > 0", 'the first contentful paint');
    await pageUntil(page, `document.querySelectorAll('tr[data-task]').length >= ${TASKS}`, `all ${TASKS} rows`);
    const allRows = await page.evaluate('performance.now()') as number;
    const paint = await page.evaluate(`({ fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime,
      responseEnd: performance.getEntriesByType('navigation')[0].responseEnd,
      dcl: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd })`) as Omit<Paint, 'allRows'>;
    return { ...paint, allRows };
  } finally {
    await context.close();
    await pause(PAINT_GAP_MS);
  }
}

// Time of a GET, from the request to the last byte of its body, ms.
export async function getTime(url: string): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return performance.now() - t0;
}

export async function getText(url: string): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return response.text();
}

// An asset's text, or '' when the server has none (a build without the client): the weight then says so.
export async function getAsset(url: string): Promise<string> {
  const response = await fetch(url);
  return response.ok ? response.text() : '';
}

interface Weight { assetsRaw: number; assetsGz: number; emptyRaw: number; emptyGz: number; fullRaw: number; fullGz: number; encoding: string }

const gz = (text: string): number => gzipSync(text).length;

// app.js, app.css, and the HTML of `/` with no task (in this process, on an empty folder) and with TASKS tasks.
export async function weigh(url: string, fullHtml: string): Promise<Weight & { js: string; css: string }> {
  const [js, css] = await Promise.all([getAsset(`${url}assets/app.js`), getAsset(`${url}assets/app.css`)]);
  const empty = await newExecutor(join(tempFolder('dash-empty'), 'folder')).serve({ port: 0 });
  const emptyHtml = await getText(empty.url).finally(() => empty.close());
  const encoding = (await fetch(url, { headers: { 'accept-encoding': 'gzip' } })).headers.get('content-encoding') ?? 'none';
  return {
    js, css, encoding,
    assetsRaw: js.length + css.length, assetsGz: gz(js) + gz(css),
    emptyRaw: emptyHtml.length, emptyGz: gz(emptyHtml), fullRaw: fullHtml.length, fullGz: gz(fullHtml),
  };
}

export interface PaintResult { ours: number[]; floor: number[]; oursEnd: number[]; floorEnd: number[]; oursDcl: number[]; floorDcl: number[]; oursAll: number[]; floorAll: number[]; pageBytes: number; getPage: number[]; getFloor: number[]; getApi: number[]; getApiFloor: number[]; weight: Weight }

export async function firstPaint(browser: Browser): Promise<PaintResult> {
  const dir = tempFolder('dash-paint');
  const ex = newExecutor(join(dir, 'folder'));
  await addTasks(ex, TASKS, 'task-', join(FIXTURES, 'sleeper.sh'), { infiniteLoop: false });
  const ui = await spawnUi(ex.folder);
  try {
    // The floor serves every row in its HTML (what `/?all=1` renders): the page as it stands once ours is complete.
    const html = await getText(`${ui.url}?all=1`);
    const pageBytes = (await getText(ui.url)).length;
    const weight = await weigh(ui.url, html);
    const saved = join(dir, 'static');
    mkdirSync(saved);
    writeFileSync(join(saved, 'index.html'), html);
    writeFileSync(join(saved, 'tasks.json'), await getText(`${ui.url}api/tasks`));
    writeFileSync(join(saved, 'app.js'), weight.js);
    writeFileSync(join(saved, 'app.css'), weight.css);
    const floor = await spawnStatic(saved);
    try {
      const r: PaintResult = { ours: [], floor: [], oursEnd: [], floorEnd: [], oursDcl: [], floorDcl: [], oursAll: [], floorAll: [], pageBytes, getPage: [], getFloor: [], getApi: [], getApiFloor: [], weight };
      for (let i = -1; i < PAINTS; i++) {
        // The sides alternate, the first of each pair swapped every round; round -1 is the warm-up.
        const order = i % 2 === 0 ? [true, false] : [false, true];
        for (const isOurs of order) {
          const p = await paintOnce(browser, isOurs ? ui.url : floor.url);
          if (i < 0) continue;
          (isOurs ? r.ours : r.floor).push(p.fcp);
          (isOurs ? r.oursEnd : r.floorEnd).push(p.responseEnd);
          (isOurs ? r.oursDcl : r.floorDcl).push(p.dcl);
          (isOurs ? r.oursAll : r.floorAll).push(p.allRows);
        }
        const [page, pageFloor, api, apiFloor] = [await getTime(ui.url), await getTime(floor.url), await getTime(`${ui.url}api/tasks`), await getTime(`${floor.url}api/tasks`)];
        if (i < 0) continue;
        r.getPage.push(page); r.getFloor.push(pageFloor); r.getApi.push(api); r.getApiFloor.push(apiFloor);
      }
      return r;
    } finally {
      await stopServer(floor);
    }
  } finally {
    await stopServer(ui);
  }
}


export function paintFigures(p: PaintResult): Figure[] {
  const [ours, floor] = [median(p.ours), median(p.floor)];
  const w = p.weight;
  const page = w.assetsGz + w.emptyGz;
  return [{
    figure: `First contentful paint of / with ${TASKS} tasks (headless Chromium, median of ${PAINTS})`, ours: fmtMs(ours),
    floor: `${fmtMs(floor)} (the ${TASKS}-row HTML, static node:http)`, ratio: `${(ours / floor).toFixed(2)}× (${ours <= floor ? '−' : '+'}${fmtMs(Math.abs(ours - floor))})`,
    goal: `≤ ${GOAL_PAINT_MS} ms`, pass: ours <= GOAL_PAINT_MS,
    note: `ours ${spread(p.ours)}; floor ${spread(p.floor)}; medians from navigation start: HTML received (responseEnd) ${fmtMs(median(p.oursEnd))} (floor ${fmtMs(median(p.floorEnd))}), `
      + `DOMContentLoaded ${fmtMs(median(p.oursDcl))} (floor ${fmtMs(median(p.floorDcl))}). Each sample a fresh browser context (empty cache). Ours renders the first ${FIRST_PAINT_ROWS} rows on the server; the script appends the rest (next row).`,
  }, {
    figure: `All ${TASKS} rows in the page (median of ${PAINTS})`, ours: fmtMs(median(p.oursAll)), floor: `${fmtMs(median(p.floorAll))} (static, every row in the HTML)`,
    ratio: `${(median(p.oursAll) / median(p.floorAll)).toFixed(2)}×`, goal: 'informational', pass: null,
    note: `ours ${spread(p.oursAll)}: the first ${FIRST_PAINT_ROWS} rows from the HTML, the others appended by the script from the live stream's first message (every row as JSON).`,
  }, {
    figure: `GET / with ${TASKS} tasks (median of ${PAINTS})`, ours: fmtMs(median(p.getPage)), floor: `${fmtMs(median(p.getFloor))} (static)`,
    ratio: `${(median(p.getPage) / median(p.getFloor)).toFixed(1)}×`, goal: 'informational', pass: null,
    note: `${kb(p.pageBytes)} of HTML, the first ${FIRST_PAINT_ROWS} rows (every row, /?all=1 and the floor: ${kb(w.fullRaw)}, ${kb(w.fullGz)} gzipped; sent with content-encoding: ${w.encoding}); ours ${spread(p.getPage)}.`,
  }, {
    figure: `GET /api/tasks with ${TASKS} tasks (median of ${PAINTS})`, ours: fmtMs(median(p.getApi)), floor: `${fmtMs(median(p.getApiFloor))} (static)`,
    ratio: `${(median(p.getApi) / median(p.getApiFloor)).toFixed(1)}×`, goal: 'informational', pass: null, note: `ours ${spread(p.getApi)}.`,
  }, {
    figure: 'Page weight, gzipped: app.js + app.css + the HTML of / with no task', ours: kb(page), floor: '—', ratio: '—',
    goal: `≤ ${GOAL_PAGE_GZ_KB} kB`, pass: page <= GOAL_PAGE_GZ_KB * KB,
    note: `raw ${kb(w.assetsRaw + w.emptyRaw)} (app.js + app.css ${kb(w.assetsRaw)}, ${kb(w.assetsGz)} gzipped; empty table's HTML ${kb(w.emptyRaw)}, ${kb(w.emptyGz)} gzipped). `
      + `With the ${TASKS} rows (data, not page): ${kb(w.assetsRaw + w.fullRaw)} raw, ${kb(w.assetsGz + w.fullGz)} gzipped.`,
  }];
}


