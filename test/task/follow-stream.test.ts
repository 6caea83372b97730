// followOut({ stream }): the separate stderr file of a task (across a restart, and a program's steps), and bad input.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, type Executor, type FollowOutOptions } from '../../src/index.js';
import { nextEvent, useExecutors } from '../helpers/executor.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS } from '../helpers/program.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

/** `lines.js`: see the fixture for its environment. */
const LINES = fileURLToPath(new URL('../fixtures/cli/supervise/lines.js', import.meta.url));
/** Deadline of each wait for followed lines (no timing is asserted). */
const WAIT_MS = 10_000;

const controllers: AbortController[] = [];
const loops: Promise<void>[] = [];
afterEach(async () => {
  for (const ac of controllers.splice(0)) ac.abort();
  await Promise.all(loops.splice(0));
});

/** Follows `name` in the background into `seen` until the test ends (or `stop()`). */
function follow(ex: Executor, name: string, options: FollowOutOptions) {
  const ac = new AbortController();
  controllers.push(ac);
  const seen: string[] = [];
  const errors: unknown[] = [];
  const done = (async () => {
    try {
      for await (const line of ex.followOut(name, { pollMs: 20, ...options, signal: ac.signal })) seen.push(line);
    } catch (error) {
      errors.push(error);
    }
  })();
  loops.push(done);
  return { seen, errors, stop: async () => { ac.abort(); await done; } };
}

describe("followOut({ stream: 'stderr' })", () => {
  it("yields the new stderr lines of a stderr: 'separate' task, across a restart", async () => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { stderr: 'separate', env: { COUNT: 0, EVERY_MS: 20, ERR: 1 } });
    const started = nextEvent(ex, 'start', (e) => e.name === 'job');
    await ex.startTask('job');
    const first = (await started).runId;
    await waitUntil(async () => (await ex.readOut('job', 1, { stream: 'stderr' })).length > 0, { what: 'stderr written' });
    const err = follow(ex, 'job', { stream: 'stderr' });
    const out = follow(ex, 'job', { stream: 'stdout' });
    await waitUntil(() => err.seen.filter((l) => l.endsWith(first)).length >= 2, { timeoutMs: WAIT_MS, what: 'stderr lines of the first run' });
    const restarted = nextEvent(ex, 'start', (e) => e.name === 'job');
    await ex.restartTask('job');
    const second = (await restarted).runId;
    await waitUntil(() => err.seen.filter((l) => l.endsWith(second)).length >= 2, { timeoutMs: WAIT_MS, what: 'stderr lines of the restarted run' });
    await waitUntil(() => out.seen.length >= 2, { timeoutMs: WAIT_MS, what: 'stdout lines' });
    await err.stop();
    await out.stop();
    expect(err.errors).toEqual([]);
    expect(out.errors).toEqual([]);
    // Only stderr lines, no header: the first run's from where following began (none missed, up to its last one),
    // then the second run's from its first line.
    for (const line of err.seen) expect(line).toMatch(new RegExp(`^line err \\d+ (${first}|${second})$`));
    const ofFirst = err.seen.filter((l) => l.endsWith(first));
    const ofSecond = err.seen.filter((l) => l.endsWith(second));
    expect(err.seen).toEqual([...ofFirst, ...ofSecond]);
    const firstAll = await ex.readOut('job', 100_000, { run: first, stream: 'stderr' });
    expect(firstAll.slice(-ofFirst.length)).toEqual(ofFirst);
    expect(ofSecond[0]).toBe(`line err 0 ${second}`);
    expect(ofSecond).toEqual(ofSecond.map((_, i) => `line err ${i} ${second}`));
    for (const line of out.seen) expect(line).toMatch(/^line \d+$/);
  });

  it("follows a program's steps' stderr files, step after step", async () => {
    const { ex } = kit.make();
    const steps = [
      { name: 'one', script: LINES, env: { ERR: 1, TAG: 'one' } },
      { name: 'two', script: LINES, env: { ERR: 1, TAG: 'two' } },
    ];
    await ex.addTask('p', { steps, wd: PROGRAM_FIXTURES, stderr: 'separate' });
    const err = follow(ex, 'p', { stream: 'stderr' });
    const runId = await ex.runTask('p');
    expect((await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) })).status).toBe('succeeded');
    const want = ['one', 'two'].flatMap((tag) => [0, 1, 2].map((i) => `${tag} err ${i} ${runId}`));
    await waitUntil(() => err.seen.length >= want.length, { timeoutMs: WAIT_MS, what: 'both steps followed' });
    await err.stop();
    expect(err.seen).toEqual(want);
  });

  it.each([
    ["stream: 'nope'", { stream: 'nope' }],
    ['stream: 2', { stream: 2 }],
  ])('%s rejects the first next() with InvalidOptionError', async (_label, options) => {
    const { ex } = kit.make();
    await ex.addTask('job', LINES, { infiniteLoop: false });
    const error = await ex.followOut('job', options as FollowOutOptions).next().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toMatch(/Expected `stream`.* got /);
  });
});
