// Retakes the pictures of docs/notebooks.md: executes examples/notebook.ipynb headless in a tslab kernel (as the test
// does), converts the cells that render views (the Executor, a program run, an output view) to HTML with Debian's
// `jupyter nbconvert --to html`, and screenshots each page in headless Chromium (Debian's `chromium`).
// Run: npm run build && npx tsx scripts/notebook-screenshots.ts   (needs jupyter-nbconvert, jupyter-client, chromium)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { executeNotebook, JUPYTER, kernelSetup, ROOT } from '../test/notebook/kernel.js';

/** The pictures: a file name, the code the cell starts with, and the window size. */
const SHOTS = [
  { file: 'notebook-executor.png', code: 'await display(ex);', size: '900,330' },
  { file: 'notebook-run.png', code: "const runId = await ex.runTask('etl');", size: '900,420' },
  { file: 'notebook-out.png', code: "await new Promise((resolve) => setTimeout(resolve, 700));", size: '900,260' },
] as const;
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--hide-scrollbars'];

const dir = mkdtempSync(path.join(tmpdir(), 'exsdk-shots-'));
try {
  const setup = kernelSetup(dir, { NOTEBOOK_FOLDER: path.join(dir, 'jobs') });
  const nb = await executeNotebook(setup, path.join(ROOT, 'examples', 'notebook.ipynb'));
  for (const shot of SHOTS) {
    const cell = nb.cells.find((c) => c.cell_type === 'code' && [(c as { source?: string | string[] }).source].flat().join('').startsWith(shot.code));
    if (!cell) throw new Error(`no cell starting with ${shot.code}`);
    const one = path.join(dir, `${shot.file}.ipynb`);
    writeFileSync(one, JSON.stringify({ ...nb, cells: [cell] }));
    execFileSync(JUPYTER, ['nbconvert', '--to', 'html', '--output', `${shot.file}.html`, one], { env: setup.env, stdio: 'ignore' });
    const page = `file://${path.join(dir, `${shot.file}.html`)}`;
    execFileSync(CHROMIUM, [...CHROMIUM_FLAGS, `--user-data-dir=${path.join(dir, 'chromium')}`, `--window-size=${shot.size}`, `--screenshot=${path.join(ROOT, 'docs', 'images', shot.file)}`, page], { stdio: 'ignore', timeout: 60_000 });
    process.stdout.write(`docs/images/${shot.file}\n`);
  }
  execFileSync(process.execPath, [path.join(ROOT, 'bin', 'executor.js'), '--folder', path.join(dir, 'jobs'), 'stop', '--all'], { stdio: 'ignore' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
