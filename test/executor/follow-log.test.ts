// followLog: new lines of the executor log as they are written, by this Executor or another one on the folder.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, type Executor, type FollowOptions } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

/** `hold.js`: runs until it is killed. */
const HOLD = fileURLToPath(new URL('../fixtures/cli/supervise/hold.js', import.meta.url));
/** Deadline of each wait for a log line (no timing is asserted). */
const WAIT_MS = 10_000;

const followers: { ac: AbortController; it: AsyncIterableIterator<string> }[] = [];
afterEach(async () => {
  for (const { ac, it } of followers.splice(0)) {
    ac.abort();
    await it.return?.();
  }
});

/** `ex.followLog()` with a deadline on waiting for a line. */
function logFollower(ex: Executor, options: FollowOptions = {}) {
  const ac = new AbortController();
  const it = ex.followLog({ pollMs: 20, signal: ac.signal, ...options });
  followers.push({ ac, it });
  const seen: string[] = [];
  /** Reads lines until one matches; fails (aborting the follower) after the deadline. */
  const until = async (match: (line: string) => boolean): Promise<string> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(new Error(`followLog: no matching line within ${T(WAIT_MS)} ms (seen: ${JSON.stringify(seen)})`));
      }, T(WAIT_MS));
    });
    const read = async (): Promise<string> => {
      for (;;) {
        const item = await it.next();
        if (item.done) throw new Error(`followLog ended (seen: ${JSON.stringify(seen)})`);
        seen.push(item.value);
        if (match(item.value)) return item.value;
      }
    };
    try {
      return await Promise.race([read(), late]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { ac, it, seen, until };
}

describe('followLog', () => {
  it('yields a log line written after it started (startTask names the task), and none from before', async () => {
    const { ex } = kit.make();
    await ex.addTask('before', HOLD);
    await ex.readLog(); // flushed: the line is in the file before following begins
    const f = logFollower(ex);
    await ex.addTask('job', HOLD);
    await ex.startTask('job');
    const line = await f.until((l) => l.includes('Starting job'));
    expect(line).toContain('job');
    expect(f.seen.some((l) => l.includes('before'))).toBe(false);
    expect(await ex.readLog()).toContain(line); // the same line as in the file
  });

  it('follows lines written by another Executor on the same folder', async () => {
    const { ex, dir } = kit.make();
    await ex.addTask('job', HOLD);
    const other = kit.open(path.join(dir, 'exec'));
    const f = logFollower(other);
    await ex.startTask('job');
    expect(await f.until((l) => l.includes('Starting job'))).toContain('job');
    await ex.stopTask('job');
    expect(await f.until((l) => l.includes('Stopping job'))).toContain('job');
  });

  it('ends when its signal aborts, while it waits for a line', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', HOLD);
    const f = logFollower(ex);
    const pending = f.it.next();
    f.ac.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(await f.it.next()).toEqual({ done: true, value: undefined });
  });

  it('rejects a bad pollMs with InvalidOptionError', async () => {
    const { ex } = kit.make();
    // followLog checks its options when called (followOut and followRun reject their first next() instead).
    const error = await (async () => ex.followLog({ pollMs: -1 }).next())().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidOptionError);
  });
});
