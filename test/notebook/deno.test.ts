// examples/notebook.ipynb in Deno's Jupyter kernel (the `deno` devDependency, 2.9.6), executed headless through
// Debian's jupyter nbconvert: the same cells with `import`s instead of `require`s run green, and the outputs are the
// rich views (HTML tables with status badges, a program run's steps, the output lines) and the followed lines.
// What Deno's kernel does not do is a named case that asserts the limitation itself, so it turns red once Deno fixes it.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { denoKernelSetup, denoNotebook, executeDenoNotebook } from './deno-kernel.js';
import { joined, ROOT, type Output } from './kernel.js';

const kit = useExecutors();
const DRIVER = fileURLToPath(new URL('./deno-interrupt.py', import.meta.url));

describe("examples/notebook.ipynb in Deno's Jupyter kernel 2.9.6", () => {
  // Retried: on a loaded machine Deno's kernel now and then sends a cell's last display after nbconvert has collected
  // the cell (a display missing from the saved notebook, with no error: seen in CI for the run and the output views).
  it('runs green and shows the task table, the run with its steps and the output lines', { retry: 2 }, async () => {
    const dir = kit.tmpDir();
    const folder = path.join(dir, 'jobs');
    const setup = denoKernelSetup(dir, { NOTEBOOK_FOLDER: folder });
    kit.open(folder); // whatever the notebook leaves running is stopped after the test
    const nb = await executeDenoNotebook(setup, denoNotebook(path.join(ROOT, 'examples', 'notebook.ipynb')));
    const outputs: Output[] = nb.cells.flatMap((c, i) => (c.outputs ?? []).map((o) => ({ ...o, cell: i })));
    const failures = outputs.filter((o) => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'));
    expect(failures.map((o) => `cell ${o.cell}: ${joined(o.text)}${JSON.stringify(o)}`)).toEqual([]);
    nb.cells.forEach((c, i) => {
      if (c.cell_type === 'code') expect(c.execution_count, `cell ${i} ran`).toBeGreaterThan(0); // Deno numbers its cells
    });
    const html = outputs.filter((o) => o.data?.['text/html'] !== undefined).map((o) => joined(o.data!['text/html']));
    const text = outputs.filter((o) => o.output_type === 'stream').map((o) => joined(o.text)).join('');
    expect(html.find((h) => h.includes(`supervisor: none`)), 'the Executor view').toMatch(/<table[^>]*>.*NAME.*etl.*web.*<span style="[^"]*">running<\/span>/s);
    expect(html.some((h) => /<th[^>]*>MEM<\/th>/.test(h) && h.includes('>running</span>')), 'the status table').toBe(true);
    expect(html.find((h) => h.includes('STEP')), 'the program run').toMatch(/extract.*completed.*load.*completed/s);
    const outCell = nb.cells.findIndex((c) => c.cell_type === 'code' && joined(c.source).includes("ex.out('web'"));
    expect(html.find((h) => h.includes('<pre')), `the output view; its cell's outputs: ${JSON.stringify(outputs.filter((o) => o.cell === outCell))}`).toMatch(/web · running · pid \d+.*<pre[^>]*>(tick \d+\n?)+<\/pre>/s);
    // Deno's display sends one bundle with both types: the text view comes along with the HTML.
    const plain = outputs.filter((o) => o.data?.['text/html'] !== undefined).map((o) => joined(o.data!['text/plain']));
    expect(plain.find((p) => p.includes('supervisor: none')), 'the text fallback').toMatch(/NAME +STATUS .*web +running/s);
    expect(text, 'the followed lines').toMatch(/tick \d+\n/);
    const watchCell = nb.cells.findIndex((c) => c.cell_type === 'code' && joined(c.source).includes('ex.watch('));
    const watched = outputs.filter((o) => o.cell === watchCell && o.data?.['text/html'] !== undefined);
    expect(watched, 'one display, updated in place').toHaveLength(1);
    expect(joined(watched[0]!.data!['text/html'])).toMatch(/supervisor: none.*<table[^>]*>.*web.*running/s);
  });

  // Deno's kernel 2.9.6 has no interrupt of its own: the ■ button (interrupt_mode signal: SIGINT to the kernel's
  // process group) would kill it with nothing listening, and with a listener it ends nothing by itself. The SDK listens
  // under Deno's kernel as under tslab: the follower ends, so the awaited cell ends, and the kernel lives on.
  it('an interrupt ends a followOut cell (the SDK ends its follower), and the kernel answers the next cell', async () => {
    const result = await interruptFollow({ NEXT: 'console.log(kept + 1)' });
    expect(result).toMatchObject({ setup: 'ok', followed: true, ended: true, errors: [], alive: true, answer: '43' });
  });

  it("a cell's own SIGINT listener that aborts the followOut signal makes the interrupt end the cell, and the kernel answers the next cell", async () => {
    const result = await interruptFollow({
      SETUP_MORE: "const stop = new AbortController();\nprocess.on('SIGINT', () => stop.abort());",
      FOLLOW_OPTIONS: '{ signal: stop.signal }',
      NEXT: 'console.log(kept + 1)',
    });
    expect(result).toMatchObject({ setup: 'ok', followed: true, ended: true, errors: [], alive: true, answer: '43' });
  });
});

/** What test/notebook/deno-interrupt.py saw: a followOut cell of Deno's kernel interrupted once it printed a line. */
interface Interrupted { setup: string; followed: boolean; ended: boolean; printedAfter: string[]; errors: string[]; alive: boolean; answer?: string | null }

async function interruptFollow(extra: { SETUP_MORE?: string; FOLLOW_OPTIONS?: string; NEXT?: string }): Promise<Interrupted> {
  const dir = kit.tmpDir();
  const folder = path.join(dir, 'jobs');
  writeFileSync(path.join(dir, 'tick.sh'), 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done\n');
  const setup = denoKernelSetup(dir);
  kit.open(folder); // the task is stopped after the test
  const env = {
    ...setup.env, KERNEL_CWD: setup.project, WAIT: String(T(3_000) / 1000), NEXT: extra.NEXT ?? '',
    SETUP: [
      "import { Executor } from 'npm:executor-sdk';",
      `const ex = new Executor(${JSON.stringify(folder)});`,
      `await ex.addTask('tick', ${JSON.stringify(path.join(dir, 'tick.sh'))}, { interpreter: 'sh' });`,
      "await ex.startTask('tick');",
      'const kept = 42;',
      extra.SETUP_MORE ?? '',
    ].join('\n'),
    LONG: `const follow = (async () => { for await (const line of ex.followOut('tick'${extra.FOLLOW_OPTIONS ? `, ${extra.FOLLOW_OPTIONS}` : ''})) console.log(line); })();\nawait follow;`,
  };
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('/usr/bin/python3', [DRIVER], { cwd: setup.project, env, timeout: T(120_000) }, (error, out, err) => {
      if (error) reject(new Error(`${error.message}\n${out}${err}`)); else resolve(out);
    });
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Interrupted;
}
