// CLI `run` exits right after starting the run: the next command must record that run's end (nobody saw it), so
// `runs`/`show` say succeeded and a second `run` becomes the task's main run (its output is what `logs` shows).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/index.js';
import { useCli } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';

const RUN_ID_SCRIPT = fileURLToPath(new URL('../fixtures/cli/run/run-id.js', import.meta.url));
const cli = useCli();

describe('executor run, then other commands, with no process alive in between', () => {
  it('records the ended run first: runs/show say succeeded, and the next run is the main run', async () => {
    const { folder } = cli.folder();
    await cli.kit.open(folder).addTask('rid', RUN_ID_SCRIPT, { infiniteLoop: false });
    const first = await cli.run(folder, ['run', 'rid']);
    expect(first.exitCode).toBe(0);
    const a = first.stdout.trim();
    // The shim writes the exit status file when the run ends; nothing has read it yet.
    await waitUntil(() => existsSync(path.join(folder, 'runs', 'rid', `${a}.exit`)), { what: 'run A to end' });

    const shown = await cli.run(folder, ['show', a, '--json']);
    expect((JSON.parse(shown.stdout) as RunRecord).status).toBe('succeeded');

    const second = await cli.run(folder, ['run', 'rid']);
    const b = second.stdout.trim();
    await waitUntil(() => existsSync(path.join(folder, 'runs', 'rid', `${b}.exit`)), { what: 'run B to end' });
    const runs = JSON.parse((await cli.run(folder, ['runs', 'rid', '--json'])).stdout) as RunRecord[];
    expect(runs.map((r) => [r.runId, r.status, r.exitCode])).toEqual([[b, 'succeeded', 0], [a, 'succeeded', 0]]);
    expect(runs[0]!.outputFile).toBe('rid.txt'); // the main run's file, not an extra run's archive
    expect((await cli.run(folder, ['logs', 'rid'])).stdout).toBe(`run ${b}\n`);
  });
});
