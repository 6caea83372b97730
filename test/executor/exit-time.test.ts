// Issue 12, item 6: a run's end time is the process's, not the time someone looked.
import path from 'node:path';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const kit = useExecutors();
const RUN_MS = 1_000;
const LOOK_AFTER_MS = 3_000;
const TOLERANCE_MS = 200;

describe('run end times', () => {
  it('a 1 s script started by `executor start` and looked at 3 s later lasted 1 s (record, event, log, footer)', async () => {
    const { ex, dir } = kit.make();
    const script = path.join(dir, 'one-second.sh');
    writeFileSync(script, `sleep ${RUN_MS / 1000}\n`);
    await ex.addTask('job', script, { infiniteLoop: false });
    const started = await runCli(['start', 'job'], { folder: ex.folder });
    expect(started.exitCode).toBe(0);
    const statusDir = path.join(ex.folder, 'runs', 'job');
    // Wait until the script has ended (its shim wrote the status), then 3 s more before anyone looks.
    const endedSeen = await waitUntil(() => {
      const files = readdirSync(statusDir);
      return files.some((f) => f.endsWith('.exit')) ? Date.now() : 0;
    }, { what: 'the run to end' });
    await waitUntil(() => Date.now() - endedSeen >= LOOK_AFTER_MS, { timeoutMs: LOOK_AFTER_MS * 3, what: '3 s to pass' });
    const exits: number[] = [];
    ex.on('exit', (e) => exits.push(e.durationMs));
    const [row] = await ex.listTasks();
    expect(row!.status).toBe('succeeded');
    const [run] = await ex.listRuns({ task: 'job' });
    const duration = Date.parse(run!.endedAt!) - Date.parse(run!.startedAt);
    expect(Math.abs(duration - RUN_MS)).toBeLessThan(TOLERANCE_MS);
    expect(Date.parse(row!.lastEndedAt!)).toBe(Date.parse(run!.endedAt!));
    expect(exits).toHaveLength(1);
    expect(Math.abs(exits[0]! - RUN_MS)).toBeLessThan(TOLERANCE_MS);
    const log = (await ex.readLog(20)).find((l) => l.includes('Exited job'));
    expect(log).toMatch(/after 1\.[0-2] s/);
    const footer = readFileSync(path.join(ex.folder, 'job.txt'), 'utf8');
    expect(footer).toMatch(/after 1\.[0-2]\d* s/);
  }, T(30_000));
});
