// Issue 17, output across hosts: followOut from a client on another host follows the task's runs on host-a (readBytes
// requests), without header blocks, from where it began and on into the next run after a restart (on another host too), through a
// program's steps; a host killed mid-follow ends it with HostUnreachableError naming it.
import { describe, expect, it } from 'vitest';
import { HostUnreachableError, type Executor, type FollowOutOptions } from '../../src/index.js';
import { PROGRAM_FIXTURES } from '../helpers/program.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { LINES, useFollowKit } from './follow-kit.js';

const { drain, liveRun, cluster, startHost } = useFollowKit();
const followOut = (ex: Executor, name: string, options: FollowOutOptions = {}) => drain((signal) => ex.followOut(name, { pollMs: 50, ...options, signal }));

describe('cluster: followOut across hosts', () => {
  it('follows a live run on host-a and the next one after a restart, stdout and stderr, none missed', async () => {
    const { client, a } = await cluster('follow_out_live');
    await client.addTask('job', LINES, { stderr: 'separate', env: { COUNT: 0, EVERY_MS: 30, ERR: 1 } });
    await a.start('job');
    const first = await liveRun(client, 'job');
    const out = followOut(client, 'job');
    const err = followOut(client, 'job', { stream: 'stderr' });
    await waitUntil(() => out.seen.length >= 3 && err.seen.filter((l) => l.endsWith(first)).length >= 2, { what: 'lines of the first run', timeoutMs: T(15_000) });
    await client.restartTask('job');
    const second = await liveRun(client, 'job', first);
    await waitUntil(() => err.seen.filter((l) => l.endsWith(second)).length >= 2, { what: 'stderr lines of the restarted run', timeoutMs: T(15_000) });
    await out.stop();
    await err.stop();
    await client.stopTask('job');
    expect([out.errors, err.errors]).toEqual([[], []]);
    for (const line of out.seen) expect(line).toMatch(/^line \d+$/);
    const ofFirst = err.seen.filter((l) => l.endsWith(first));
    const ofSecond = err.seen.filter((l) => l.endsWith(second));
    expect(err.seen).toEqual([...ofFirst, ...ofSecond]);
    const from = Number(ofFirst[0]!.split(' ')[2]);
    expect(ofFirst).toEqual(ofFirst.map((_, i) => `line err ${from + i} ${first}`)); // from where it began, none missed
    expect(ofFirst.at(-1)).toBe((await client.readOut('job', 1, { run: first, stream: 'stderr' }))[0]); // to the run's last line
    expect(ofSecond).toEqual(ofSecond.map((_, i) => `line err ${i} ${second}`)); // the new run from its first line
  });

  it('goes on with the next run on another host', async () => {
    const { url, client } = await cluster('follow_out_hosts');
    await startHost(url, 'host-b');
    const options = { infiniteLoop: false, env: { COUNT: 3, EVERY_MS: 50 } };
    await client.addTask('job', LINES, { ...options, hosts: ['host-a'], env: { ...options.env, TAG: 'a' } });
    const out = followOut(client, 'job');
    const first = await client.runTask('job');
    expect((await client.waitRun(first, { timeout: T(20_000) })).host).toBe('host-a');
    await client.addTask('job', LINES, { ...options, hosts: ['host-b'], env: { ...options.env, TAG: 'b' }, replace: true });
    const second = await client.runTask('job');
    expect((await client.waitRun(second, { timeout: T(20_000) })).host).toBe('host-b');
    await waitUntil(() => out.seen.length >= 6, { what: 'both runs followed', timeoutMs: T(10_000) });
    await out.stop();
    expect(out.errors).toEqual([]);
    expect(out.seen).toEqual(['a 0', 'a 1', 'a 2', 'b 0', 'b 1', 'b 2']);
  });

  it("follows a program's steps on host-a", async () => {
    const { client } = await cluster('follow_out_program');
    const steps = [
      { name: 'one', script: LINES, env: { TAG: 'one', EVERY_MS: 100 } },
      { name: 'two', script: LINES, env: { TAG: 'two', EVERY_MS: 100 } },
    ];
    await client.addTask('p', { steps, wd: PROGRAM_FIXTURES });
    const out = followOut(client, 'p');
    const runId = await client.runTask('p');
    expect((await client.waitRun(runId, { timeout: T(20_000) })).status).toBe('succeeded');
    const want = ['one', 'two'].flatMap((tag) => [0, 1, 2].map((i) => `${tag} ${i}`));
    await waitUntil(() => out.seen.length >= want.length, { what: 'the program followed', timeoutMs: T(10_000) });
    await out.stop();
    expect(out.errors).toEqual([]);
    expect(out.seen).toEqual(want);
  });

  it('kill -9 of the host mid-follow ends followOut with HostUnreachableError naming it', async () => {
    const { client, a } = await cluster('follow_out_killed');
    await client.addTask('job', LINES, { env: { COUNT: 0, EVERY_MS: 30 } });
    await a.start('job');
    await liveRun(client, 'job');
    const out = followOut(client, 'job');
    await waitUntil(() => out.seen.length >= 2, { what: 'lines followed', timeoutMs: T(15_000) });
    a.child.kill('SIGKILL');
    await waitUntil(() => out.ended(), { what: 'the follower to end', timeoutMs: T(15_000) });
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toBeInstanceOf(HostUnreachableError);
    expect(out.errors[0]).toMatchObject({ code: 'ERR_HOST_UNREACHABLE', host: 'host-a' });
    expect((out.errors[0] as Error).message).toMatch(/host-a/);
  });
});
