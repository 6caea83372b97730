// Kernel restarts: tasks started from one tslab kernel keep running after it is gone, and a fresh kernel's
// `new Executor(folder)` shows them running, reads their output, stops them, and shows a run that ended while no
// kernel was alive with its real exit code and end time. Two notebooks, each executed by nbconvert in its own kernel.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { executeNotebook, joined, kernelSetup } from './kernel.js';

const kit = useExecutors();

/** A notebook of JavaScript cells. */
function notebook(file: string, cells: string[]): string {
  const code = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
  writeFileSync(file, JSON.stringify({ cells: cells.map(code), metadata: { kernelspec: { name: 'jslab', display_name: 'JavaScript (tslab)', language: 'javascript' } }, nbformat: 4, nbformat_minor: 5 }));
  return file;
}

/** The JSON lines the cells printed (each `console.log('OUT ' + JSON.stringify(…))`). */
function printed(nb: Awaited<ReturnType<typeof executeNotebook>>): unknown[] {
  const text = nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'stream' && o.name === 'stdout').map((o) => joined(o.text)).join('');
  const stderr = nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'stream' && o.name === 'stderr').map((o) => joined(o.text));
  expect(stderr, 'no cell failed').toEqual([]);
  return text.split('\n').filter((line) => line.startsWith('OUT ')).map((line) => JSON.parse(line.slice('OUT '.length)) as unknown);
}

describe('a kernel restart', () => {
  it('leaves the tasks running, and a fresh kernel adopts them, reads, stops them and sees how the others ended', async () => {
    const dir = kit.tmpDir();
    const folder = path.join(dir, 'jobs');
    writeFileSync(path.join(dir, 'web.sh'), 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done\n');
    writeFileSync(path.join(dir, 'once.sh'), 'sleep 1; echo done; exit 3\n');
    const setup = kernelSetup(dir);
    kit.open(folder); // whatever is left is stopped after the test
    const first = await executeNotebook(setup, notebook(path.join(dir, 'first.ipynb'), [
      `const { Executor } = require('executor-sdk');\nconst ex = new Executor(${JSON.stringify(folder)});`,
      `await ex.addTask('web', ${JSON.stringify(path.join(dir, 'web.sh'))}, { interpreter: 'sh' });\nawait ex.addTask('once', ${JSON.stringify(path.join(dir, 'once.sh'))}, { interpreter: 'sh', infiniteLoop: false });`,
      "const web = await ex.startTask('web');\nconst once = await ex.startTask('once');\nconsole.log('OUT ' + JSON.stringify([web.pid, once.pid]));",
    ]));
    const [[webPid, oncePid]] = printed(first) as [[number, number]];
    kit.track(webPid);
    expect(pidAlive(webPid), 'web outlives the kernel that started it').toBe(true);
    await waitUntil(() => !pidAlive(oncePid), { what: 'once to end while no kernel is alive' });
    const second = await executeNotebook(setup, notebook(path.join(dir, 'second.ipynb'), [
      `const { Executor } = require('executor-sdk');\nconst ex = new Executor(${JSON.stringify(folder)});`,
      "const rows = await ex.listTasks();\nconsole.log('OUT ' + JSON.stringify(rows.map((r) => [r.name, r.status, r.pid, r.lastExitCode, r.lastEndedAt !== null])));",
      "console.log('OUT ' + JSON.stringify((await ex.readOut('web', 3)).every((line) => line.startsWith('tick'))));",
      "await ex.stopTask('web');\nconsole.log('OUT ' + JSON.stringify((await ex.listTasks()).find((r) => r.name === 'web').status));",
    ]));
    const [rows, readable, stopped] = printed(second) as [[string, string, number | null, number | null, boolean][], boolean, string];
    expect(rows).toEqual([['once', 'failed', null, 3, true], ['web', 'running', webPid, null, false]]);
    expect(readable).toBe(true);
    expect(stopped).toBe('stopped');
    await waitUntil(() => !pidAlive(webPid), { what: 'web to be gone' });
  });
});
