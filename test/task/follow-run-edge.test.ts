// followRun / followOut edge cases: a run whose starter (the CLI) exited before it ended, a queued run whose blocking
// run was started by another process (no supervisor anywhere), UTF-8 split across a read boundary, and a program
// followed from the moment followOut() is called.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor, RunRecord } from '../../src/index.js';
import { FOLLOW_READ_BYTES } from '../../src/output/follow.js';
import { useCli } from '../helpers/cli.js';
import { storedRun } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/cli/edge/', import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, name);
/** How long a follower may take to yield and end before the test fails (no timing is asserted). */
const FOLLOW_DEADLINE_MS = 10_000;
/** Poll of the followers under test (a short one keeps the tests fast). */
const POLL_MS = 20;
/** ASCII bytes utf8.js writes before its "€" (one less than a read, so the "€" straddles the first read's end). */
const ASCII_BYTES = 65_535;

const cli = useCli();

const aborters: AbortController[] = [];
// Before the kits' cleanup (hooks run in reverse): end every follower, closing its files.
afterEach(() => {
  for (const ac of aborters.splice(0)) ac.abort();
});

/** A new folder with an Executor on it. */
function setup(): { ex: Executor; folder: string; dir: string } {
  const { folder, dir } = cli.folder();
  return { ex: cli.kit.open(folder), folder, dir };
}

/** A new AbortController, aborted after the test. */
function aborter(): AbortController {
  const ac = new AbortController();
  aborters.push(ac);
  return ac;
}

/** Races `work` against the deadline; on time-out aborts `ac` and fails with `what` and what was seen. */
async function withDeadline<T>(work: Promise<T>, ac: AbortController, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ac.abort();
      reject(new Error(`${what()}: not within ${T(FOLLOW_DEADLINE_MS)} ms`));
    }, T(FOLLOW_DEADLINE_MS));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every line of `followRun(runId)` until it ends by itself, within the deadline. */
async function followAll(ex: Executor, runId: string): Promise<string[]> {
  const ac = aborter();
  const seen: string[] = [];
  const all = (async () => {
    for await (const line of ex.followRun(runId, { pollMs: POLL_MS, signal: ac.signal })) seen.push(line);
    return seen;
  })();
  const lines = await withDeadline(all, ac, () => `followRun(${runId}) to end (seen: ${JSON.stringify(seen.map((l) => l.slice(0, 80)))})`);
  expect(ac.signal.aborted, 'the follower ended by itself').toBe(false);
  return lines;
}

/** The run's ledger record as stored (read directly: getRun and listRuns would record an unseen end first). */
function rawLedger(folder: string, task: string, runId: string): RunRecord {
  return storedRun(folder, task, runId);
}

/** The run id a `executor run NAME` printed. */
async function cliRun(folder: string, name: string): Promise<string> {
  const r = await cli.run(folder, ['run', name]);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('followRun of a run nobody watches', () => {
  it('a run started by the CLI (which exited) that ended unseen: yields its lines and ends by itself', async () => {
    const { ex, folder, dir } = setup();
    await ex.addTask('job', fixture('gated.js'), { infiniteLoop: false, env: { GATE_DIR: dir } });
    const runId = await cliRun(folder, 'job');
    // The run ends only now that the CLI has exited (ungated, it could end first on a loaded machine, and the CLI
    // record it). The shim writes the exit status file when the run ends; nobody has recorded the end.
    writeFileSync(path.join(dir, runId), '');
    await waitUntil(() => existsSync(path.join(folder, 'runs', 'job', `${runId}.exit`)), { what: 'the run to end' });
    expect(rawLedger(folder, 'job', runId).endedAt).toBeNull();
    expect(await followAll(ex, runId)).toEqual([`first ${runId}`, `last ${runId}`]);
    expect(await ex.getRun(runId)).toMatchObject({ status: 'succeeded', exitCode: 0 });
  });

  it('a queued run behind a run another process started: started once that run ends, its lines yielded, then the end', async () => {
    const { ex, folder, dir } = setup();
    await ex.addTask('job', fixture('gated.js'), { infiniteLoop: false, concurrency: 1, env: { GATE_DIR: dir } });
    const blocking = await cliRun(folder, 'job');
    const queued = await cliRun(folder, 'job');
    expect(queued).not.toBe(blocking);
    writeFileSync(path.join(dir, queued), ''); // the queued run will not wait once started
    await waitUntil(async () => (await ex.readOut('job', 5)).includes(`first ${blocking}`), { what: 'the blocking run printing' });
    expect((await ex.getRun(queued)).status).toBe('queued');
    expect(existsSync(path.join(folder, 'supervisor.json'))).toBe(false); // nobody supervises the folder

    const following = followAll(ex, queued);
    writeFileSync(path.join(dir, blocking), ''); // the blocking run ends; nobody but the follower sees it
    expect(await following).toEqual([`first ${queued}`, `last ${queued}`]);
    expect(await ex.getRun(queued)).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(await ex.getRun(blocking)).toMatchObject({ status: 'succeeded', exitCode: 0 });
  });
});

describe('followRun decodes UTF-8 split across reads', () => {
  it('a "€" whose bytes straddle the end of the first read comes out whole', async () => {
    const { ex, folder } = setup();
    await ex.addTask('utf', fixture('utf8.js'), { infiniteLoop: false, header: false });
    const runId = await ex.runTask('utf');
    const run = await ex.waitRun(runId, { timeout: T(FOLLOW_DEADLINE_MS) });
    expect(run.status).toBe('succeeded');
    // The premise: the file is the script's bytes alone, the "€" (E2 82 AC) starting on the last byte of the first read.
    const bytes = readFileSync(path.join(folder, run.outputFile!));
    expect(ASCII_BYTES).toBe(FOLLOW_READ_BYTES - 1);
    expect(bytes.length).toBe(ASCII_BYTES + 3 + 1 + 'done\n'.length);
    expect(bytes[ASCII_BYTES]).toBe(0xe2);

    const lines = await followAll(ex, runId);
    expect(lines).toHaveLength(2);
    expect(lines[0]!.endsWith('€')).toBe(true);
    expect(lines[0]).toBe(`${'a'.repeat(ASCII_BYTES)}€`);
    expect(lines[0]).not.toContain('\uFFFD');
    expect(lines[1]).toBe('done');
  });
});

describe('followOut of a program', () => {
  it('sees the lines printed right after followOut() is called, none skipped', async () => {
    const { ex } = setup();
    await ex.addTask('p', { steps: [{ name: 'tick', script: 'ticker.js' }], wd: FIXTURES });
    await ex.runTask('p');
    /** The highest `tick <n>` in the step's output so far (-1 if none). */
    const lastTick = async (): Promise<number> => {
      const lines = await ex.readOut('p', 5).catch(() => [] as string[]);
      return Math.max(-1, ...lines.filter((l) => /^tick \d+$/.test(l)).map((l) => Number(l.slice(5))));
    };
    await waitUntil(async () => (await lastTick()) >= 1, { what: 'the step printing' });
    const before = await lastTick();
    const ac = aborter();
    const follower = ex.followOut('p', { pollMs: POLL_MS, signal: ac.signal });
    // Several lines come before the first next(): they were printed after followOut() was called, so they are due.
    await waitUntil(async () => (await lastTick()) >= before + 6, { what: 'six more lines printed' });
    const seen: string[] = [];
    const firstFive = (async () => {
      while (seen.length < 5) {
        const item = await follower.next();
        if (item.done) break;
        seen.push(item.value);
      }
      return seen;
    })();
    const lines = await withDeadline(firstFive, ac, () => `five lines of followOut('p') (seen: ${JSON.stringify(seen)})`);
    await follower.return?.();
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).toMatch(/^tick \d+$/);
    const numbers = lines.map((l) => Number(l.slice(5)));
    // Consecutive, from a line printed at most a line or two after `before` (the call itself is asynchronous).
    expect(numbers).toEqual([0, 1, 2, 3, 4].map((i) => numbers[0]! + i));
    expect(numbers[0]).toBeGreaterThan(before); // from the end of the output, as it stood
    expect(numbers[0]).toBeLessThanOrEqual(before + 3);
  });
});
