// Issue 17, output across hosts: followRun from a client on another host reads the run's file from the host that has
// it (readBytes requests), line by line, through a program's steps (followOut: follow-out.test.ts); the stderr of a
// finished run is kept in its row with stdout, so it reads (and follows) once its host is gone; a host killed mid-follow
// ends the follower with HostUnreachableError naming it.
import { describe, expect, it } from 'vitest';
import { HostUnreachableError } from '../../src/index.js';
import { PROGRAM_FIXTURES } from '../helpers/program.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { LINES, useFollowKit } from './follow-kit.js';

const { drain, liveRun, cluster } = useFollowKit();

describe('cluster: followRun and readOut across hosts', () => {
  it('followRun of a live run on host-a: from its first line, in order, without header, ending with the run', async () => {
    const { client, a } = await cluster('follow_live');
    await client.addTask('job', LINES, { stderr: 'separate', env: { COUNT: 0, EVERY_MS: 30, ERR: 1 } });
    await a.start('job');
    const first = await liveRun(client, 'job');
    const whole = drain((signal) => client.followRun(first, { pollMs: 50, signal }));
    const err = drain((signal) => client.followRun(first, { pollMs: 50, signal, stream: 'stderr' }));
    await waitUntil(() => whole.seen.length >= 5 && err.seen.length >= 2, { what: 'lines of the run', timeoutMs: T(15_000) });
    await client.restartTask('job');
    await liveRun(client, 'job', first);
    await waitUntil(() => whole.ended() && err.ended(), { what: 'followRun to end with the run', timeoutMs: T(10_000) });
    await client.stopTask('job');
    expect([whole.errors, err.errors]).toEqual([[], []]);
    expect(whole.seen.length).toBeGreaterThanOrEqual(5);
    expect(whole.seen).toEqual(whole.seen.map((_, i) => `line ${i}`)); // every line of the run, once
    expect(err.seen).toEqual(err.seen.map((_, i) => `line err ${i} ${first}`));
    // All it printed: the same as readOut of the finished run (kept in the cluster).
    expect(await client.readOut('job', 100_000, { run: first })).toEqual(whole.seen);
  });

  it("the stderr of a finished run on a host now gone: readOut and followRun from the run's row", async () => {
    const { client, a } = await cluster('follow_stderr');
    await client.addTask('job', LINES, { stderr: 'separate', infiniteLoop: false, env: { COUNT: 4, ERR: 1, TAG: 'x' } });
    await a.start('job');
    await client.waitFor('job', 'succeeded', { timeout: T(10_000) });
    const finished = (await client.listRuns({ task: 'job' }))[0]!.runId;
    const alive = await client.readOut('job', 10, { stream: 'stderr', run: finished });
    a.child.kill('SIGKILL');
    await waitUntil(async () => !(await client.listHosts()).find((h) => h.host === 'host-a')!.alive, { what: 'host-a to be dead', timeoutMs: T(5_000) });
    const want = [0, 1, 2, 3].map((i) => `x err ${i} ${finished}`);
    expect(alive).toEqual(want);
    expect(await client.readOut('job', 10, { stream: 'stderr', run: finished })).toEqual(want);
    expect(await client.readOut('job', 2, { run: finished })).toEqual(['x 2', 'x 3']);
    for (const stream of ['stdout', 'stderr'] as const) {
      const followed = drain((signal) => client.followRun(finished, { stream, signal }));
      await waitUntil(() => followed.ended(), { what: `followRun (${stream}) of the finished run to end`, timeoutMs: T(10_000) });
      expect(followed.errors).toEqual([]);
      expect(followed.seen).toEqual(stream === 'stderr' ? want : [0, 1, 2, 3].map((i) => `x ${i}`));
    }
  });

  it("a program's output on host-a: followRun through its steps, readOut of a step", async () => {
    const { client } = await cluster('follow_program');
    const steps = [
      { name: 'one', script: LINES, env: { TAG: 'one', EVERY_MS: 100 } },
      { name: 'two', script: LINES, env: { TAG: 'two', EVERY_MS: 100 } },
    ];
    await client.addTask('p', { steps, wd: PROGRAM_FIXTURES, stderr: 'separate', env: { ERR: 1 } });
    const runId = await client.runTask('p');
    const whole = drain((signal) => client.followRun(runId, { pollMs: 50, signal }));
    const errs = drain((signal) => client.followRun(runId, { pollMs: 50, signal, stream: 'stderr' }));
    expect((await client.waitRun(runId, { timeout: T(20_000) })).status).toBe('succeeded');
    await waitUntil(() => whole.ended() && errs.ended(), { what: 'the program followed', timeoutMs: T(10_000) });
    expect([whole.errors, errs.errors]).toEqual([[], []]);
    expect(whole.seen).toEqual(['one', 'two'].flatMap((tag) => [0, 1, 2].map((i) => `${tag} ${i}`)));
    expect(errs.seen).toEqual(['one', 'two'].flatMap((tag) => [0, 1, 2].map((i) => `${tag} err ${i} ${runId}`)));
    expect((await client.getRun(runId)).host).toBe('host-a');
    expect(await client.readOut('p', 2, { step: 'one' })).toEqual(['one 1', 'one 2']);
    expect(await client.readOut('p', 1, { run: runId, step: 'two', stream: 'stderr' })).toEqual([`two err 2 ${runId}`]);
  });

  it('kill -9 of the host mid-follow ends followRun with HostUnreachableError naming it', async () => {
    const { client, a } = await cluster('follow_killed');
    await client.addTask('job', LINES, { env: { COUNT: 0, EVERY_MS: 30 } });
    await a.start('job');
    const runId = await liveRun(client, 'job');
    const run = drain((signal) => client.followRun(runId, { pollMs: 50, signal }));
    await waitUntil(() => run.seen.length >= 2, { what: 'lines followed', timeoutMs: T(15_000) });
    a.child.kill('SIGKILL');
    await waitUntil(() => run.ended(), { what: 'the follower to end', timeoutMs: T(15_000) });
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toBeInstanceOf(HostUnreachableError);
    expect(run.errors[0]).toMatchObject({ code: 'ERR_HOST_UNREACHABLE', host: 'host-a' });
    expect((run.errors[0] as Error).message).toMatch(/host-a/);
  });
});
