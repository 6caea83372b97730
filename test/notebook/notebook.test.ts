// examples/notebook.ipynb, executed headless in a real tslab kernel through Debian's jupyter nbconvert: every cell
// runs, no cell fails, and the outputs are the rich views (HTML tables with status badges, a program run's steps, the
// output lines) and the followed lines.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { executeNotebook, joined, kernelSetup, ROOT, type Output } from './kernel.js';

const kit = useExecutors();

describe('examples/notebook.ipynb in tslab', () => {
  it('runs green and shows the task table, the run with its steps and the output lines', async () => {
    const dir = kit.tmpDir();
    const folder = path.join(dir, 'jobs');
    const setup = kernelSetup(dir, { NOTEBOOK_FOLDER: folder });
    kit.open(folder); // whatever the notebook leaves running is stopped after the test
    const nb = await executeNotebook(setup, path.join(ROOT, 'examples', 'notebook.ipynb'));
    const outputs: Output[] = nb.cells.flatMap((c, i) => (c.outputs ?? []).map((o) => ({ ...o, cell: i })));
    const failures = outputs.filter((o) => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'));
    expect(failures.map((o) => `cell ${o.cell}: ${joined(o.text)}`)).toEqual([]);
    nb.cells.forEach((c, i) => {
      if (c.cell_type === 'code') expect(c.metadata?.execution?.['shell.execute_reply'], `cell ${i} ran`).toBeDefined();
    });
    const html = outputs.filter((o) => o.data?.['text/html'] !== undefined).map((o) => joined(o.data!['text/html']));
    const text = outputs.filter((o) => o.output_type === 'stream').map((o) => joined(o.text)).join('');
    expect(html.find((h) => h.includes(`supervisor: none`)), 'the Executor view').toMatch(/<table[^>]*>.*NAME.*etl.*web.*<span style="[^"]*">running<\/span>/s);
    expect(html.some((h) => /<th[^>]*>MEM<\/th>/.test(h) && h.includes('>running</span>')), 'the status table').toBe(true);
    expect(html.find((h) => h.includes('STEP')), 'the program run').toMatch(/extract.*completed.*load.*completed/s);
    expect(html.find((h) => h.includes('<pre')), 'the output view').toMatch(/web · running · pid \d+.*<pre[^>]*>(tick \d+\n?)+<\/pre>/s);
    expect(text, 'the followed lines').toMatch(/tick \d+\n/);
    const watchCell = nb.cells.findIndex((c) => c.cell_type === 'code' && joined((c as { source?: string | string[] }).source).includes('ex.watch('));
    const watched = outputs.filter((o) => o.cell === watchCell && o.data?.['text/html'] !== undefined);
    expect(watched, 'one display, updated in place').toHaveLength(1);
    expect(joined(watched[0]!.data!['text/html'])).toMatch(/supervisor: none.*<table[^>]*>.*web.*running/s);
  });
});
