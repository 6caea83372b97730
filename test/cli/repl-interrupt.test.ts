// Issue 12 item 13 through a real terminal (tmux): Ctrl-C during a pending `await` in `executor repl`, and in a plain
// `node` REPL that imported the built package, ends the await and every follower it started, and gives the prompt
// back; no line of the task's output is printed after it. Needs tmux and the built package (`npm run build`).
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { start as startRepl } from 'node:repl';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPL_PROMPT } from '../../src/cli/commands/repl.js';
import { watchReplInterrupts } from '../../src/task/interrupt.js';
import { CLI_BIN, clusterEnvOf, useCli } from '../helpers/cli.js';
import { withCluster } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';

const run = promisify(execFile);
const cli = useCli();
/** Prints `tick <n>` every $EVERY_MS ms, forever. */
const TICKER = fileURLToPath(new URL('../fixtures/cli/edge/ticker.js', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
/** The socket of a tmux server of this test file only, killed and removed after each test (with the REPLs in it). */
const SOCKET = join(tmpdir(), `exsdk-repl-${process.pid}.sock`);
const INTERRUPTED = 'ERR_SCRIPT_EXECUTION_INTERRUPTED';
const NODE_PROMPT = '> ';
const EVERY_MS = 100;

const tmux = async (...args: string[]): Promise<string> => (await run('tmux', ['-S', SOCKET, ...args], { encoding: 'utf8' })).stdout;
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
let sessions = 0;

beforeAll(async () => {
  await run('tmux', ['-V']).catch(() => {
    throw new Error('tmux is needed for these tests (apt-get install -y tmux)');
  });
});

afterEach(async () => {
  await tmux('kill-server').catch(() => undefined); // no server left: nothing to do
  rmSync(SOCKET, { force: true });
});

/** A REPL in a new tmux window: `command` with `env`; resolves with its session name and pid once `prompt` shows. */
async function openRepl(command: string[], env: Record<string, string>, prompt: string): Promise<{ session: string; pid: number }> {
  const session = `r${sessions++}`;
  const line = ['env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...command].map(quote).join(' ');
  await tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', line);
  const pid = Number((await tmux('display-message', '-p', '-t', session, '#{pane_pid}')).trim());
  cli.kit.track(pid);
  await waitUntil(async () => (await lastLine(session)) === prompt.trimEnd(), { timeoutMs: 15_000, what: `the prompt ${prompt} (screen: ${await screen(session)})` });
  return { session, pid };
}

/** Everything the window showed (history included), wrapped lines joined, trailing blanks dropped. */
async function screen(session: string): Promise<string> {
  return (await tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session)).replace(/\s+$/, '');
}

async function lastLine(session: string): Promise<string> {
  return (await screen(session)).split('\n').pop()?.trimEnd() ?? '';
}

/** Types `text` and Enter. */
async function type(session: string, text: string): Promise<void> {
  await tmux('send-keys', '-t', session, '-l', text);
  await tmux('send-keys', '-t', session, 'Enter');
}

/** A folder whose task `t` prints a line every 100 ms, started. */
async function ticking(): Promise<{ folder: string; outFile: string }> {
  const { folder } = cli.folder();
  const ex = cli.kit.open(folder);
  await ex.addTask('t', TICKER, { env: { EVERY_MS: String(EVERY_MS) } });
  await ex.startTask('t');
  return { folder, outFile: join(folder, 't.txt') };
}

const ticks = (text: string): number => text.split('\n').filter((l) => /^tick \d+$/.test(l.trim())).length;
const fileTicks = (file: string): number => ticks(readFileSync(file, 'utf8'));

const occurrences = (text: string, what: string): number => text.split(what).length - 1;
/** What the window showed since the last interruption (all of it before the first). */
const sinceInterrupt = async (session: string): Promise<string> => (await screen(session)).split(INTERRUPTED).pop()!;

/**
 * Types `command`; once `ready(shown since the last interruption)` holds, sends Ctrl-C and expects the interruption
 * and the prompt back, then, while the task prints 5 more lines to its file, none of them on the screen after that
 * prompt. Then the REPL answers `1 + 1`.
 */
async function interruptAndCheck(session: string, prompt: string, outFile: string, command: string, ready: (shown: string) => boolean): Promise<void> {
  const before = occurrences(await screen(session), INTERRUPTED);
  await type(session, command);
  await waitUntil(async () => ready(await sinceInterrupt(session)), { timeoutMs: 15_000, what: `${command} under way (screen: ${await screen(session)})` });
  await tmux('send-keys', '-t', session, 'C-c');
  await waitUntil(async () => {
    const shown = await screen(session);
    return occurrences(shown, INTERRUPTED) > before && shown.endsWith(prompt.trimEnd());
  }, { timeoutMs: 10_000, what: `the interruption and the prompt back (screen: ${await screen(session)})` });
  const at = fileTicks(outFile);
  await waitUntil(() => fileTicks(outFile) >= at + 5, { timeoutMs: 10_000, what: 'the task printing 5 more lines' });
  const after = await sinceInterrupt(session);
  expect(ticks(after), `lines printed after Ctrl-C: ${after}`).toBe(0);
  expect(after.endsWith(prompt.trimEnd())).toBe(true);
  await type(session, '1 + 1');
  await waitUntil(async () => (await sinceInterrupt(session)).split('\n').some((l) => l.trim() === '2'), { timeoutMs: 10_000, what: 'the REPL answering 2' });
}

const FOLLOW = "for await (const l of ex.followOut('t')) console.log(l)";
const WAIT_FOR = "await ex.waitFor('t', 'succeeded')";
/** Ready once the follower has printed 3 lines. */
const printing = (shown: string): boolean => ticks(shown) >= 3;
/** Ready once the command is echoed and pending (no prompt after it). */
const pending = (command: string) => (shown: string): boolean => shown.trimEnd().endsWith(command);

const execRepl = (folder: string): Promise<{ session: string; pid: number }> =>
  openRepl([process.execPath, CLI_BIN, 'repl'], { EXECUTOR_FOLDER: folder, NODE_REPL_HISTORY: '', NO_COLOR: '1', ...clusterEnvOf(folder) }, REPL_PROMPT);

describe('Ctrl-C in executor repl', () => {
  it('ends a followOut loop: the prompt comes back and no output line follows it', async () => {
    const { folder, outFile } = await ticking();
    const { session } = await execRepl(folder);
    await interruptAndCheck(session, REPL_PROMPT, outFile, FOLLOW, printing);
  });

  it('ends await ex.waitFor(...) and await ex.waitRun(...)', async () => {
    const { folder, outFile } = await ticking();
    const [live] = await cli.kit.open(folder).listRuns({ task: 't' });
    const { session } = await execRepl(folder);
    await interruptAndCheck(session, REPL_PROMPT, outFile, WAIT_FOR, pending(WAIT_FOR));
    const waitRun = `await ex.waitRun('${live!.runId}')`;
    await interruptAndCheck(session, REPL_PROMPT, outFile, waitRun, pending(waitRun));
  });
});

describe('Ctrl-C in a plain node REPL that imported the package', () => {
  it('ends a followOut loop and a waitFor: nothing prints into the prompt afterwards', async () => {
    const { folder, outFile } = await ticking();
    const { session } = await openRepl([process.execPath], { NODE_REPL_HISTORY: '', NO_COLOR: '1' }, NODE_PROMPT);
    await type(session, `const { Executor } = await import(${JSON.stringify(DIST)}); const ex = new Executor(${JSON.stringify(folder)}, ${JSON.stringify(withCluster(folder))})`);
    await waitUntil(async () => (await screen(session)).endsWith('undefined\n>'), { timeoutMs: 15_000, what: `the import done (screen: ${await screen(session)})` });
    await interruptAndCheck(session, NODE_PROMPT, outFile, FOLLOW, printing);
    await interruptAndCheck(session, NODE_PROMPT, outFile, WAIT_FOR, pending(WAIT_FOR));
  });
});

describe('in a REPL server of this process (watchReplInterrupts)', () => {
  it('its SIGINT ends followOut, followRun and followLog with no value after it, and rejects waitRun and waitFor; outside Ctrl-C they go on', async () => {
    const { folder, outFile } = await ticking();
    const ex = cli.kit.open(folder);
    const server = startRepl({ input: new PassThrough(), output: new PassThrough(), terminal: false });
    try {
      watchReplInterrupts(server);
      const [live] = await ex.listRuns({ task: 't' });
      const out = ex.followOut('t');
      const ofRun = ex.followRun(live!.runId);
      const log = ex.followLog();
      expect((await out.next()).value).toMatch(/^tick \d+$/);
      expect((await ofRun.next()).value).toMatch(/^tick \d+$/);
      const waits = [ex.waitRun(live!.runId), ex.waitFor('t', 'succeeded')].map((p) => p.then(() => 'resolved', (e: Error) => e.name));
      const pendingNext = out.next().then(() => out.next()); // one value may be there already: the next one is pending
      const pendingLog = log.next();
      server.emit('SIGINT');
      expect(await pendingNext).toEqual({ done: true, value: undefined });
      expect(await pendingLog).toEqual({ done: true, value: undefined });
      expect(await ofRun.next()).toEqual({ done: true, value: undefined });
      expect(await Promise.all(waits)).toEqual(['AbortError', 'AbortError']);
      // The task goes on; a follower made after the Ctrl-C follows it.
      const at = fileTicks(outFile);
      const again = ex.followOut('t');
      expect((await again.next()).value).toMatch(/^tick \d+$/);
      await again.return?.();
      expect(fileTicks(outFile)).toBeGreaterThan(at);
    } finally {
      server.close();
    }
  });
});
