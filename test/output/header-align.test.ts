// Issue 13: the run header is padded so that the child's output starts page-aligned in `<name>.txt` (fd mode), with a
// blank `# padding:` line that readers skip, no NULs, and the pid still filled in by the shim.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import type { ExitEvent, StartEvent } from '../../src/events.js';
import {
  FOOTER_BEGIN, formatHeader, HEADER_ALIGN_BYTES, HEADER_BEGIN, HEADER_END, HEADER_END_LINE, HEADER_MAX_LINES, HEADER_PAD_PREFIX,
  HEADER_PID_TOKEN, headerPadSpaces, headerRunId, padHeader, runBlockFilter, stripRunBlocks, type HeaderInfo,
} from '../../src/output/header.js';
import { HEADER_SHIM_SCRIPT } from '../../src/process/shim.js';
import { fixture, nextEvent, useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS } from '../helpers/program.js';

const kit = useExecutors();
const NUMBERED = fixture('i3-runs-numbered.js'); // prints lines %015d, 0..$LINES-1
const numbered = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i).padStart(15, '0'));
const HEADER_LINE = /^# (\w+): (.*)$/;

const INFO: HeaderInfo = {
  task: 'job', runId: 'r1', trigger: 'manual', triggerTime: null, scheduledFor: null, host: 'box', user: 'me',
  interpreter: null, command: ['node', 'job.js'], script: 'job.js', startedAt: 0,
};

/** Starts `name` and resolves once its run has ended. */
async function runOnce(ex: Executor, name: string): Promise<{ start: StartEvent; exit: ExitEvent }> {
  const started = nextEvent(ex, 'start', (e) => e.name === name);
  const exits: ExitEvent[] = [];
  const onExit = (e: ExitEvent): void => { if (e.name === name) exits.push(e); };
  ex.on('exit', onExit);
  try {
    await ex.startTask(name);
    const start = await started;
    const exit = await waitUntil(() => exits.find((e) => e.runId === start.runId), { timeoutMs: 15_000, what: `run ${start.runId} to end` });
    // The footer is appended as the run is recorded: wait for it, so the file is complete.
    await waitUntil(() => readFileSync(path.join(ex.folder, `${name}.txt`), 'utf8').includes(FOOTER_BEGIN), { what: 'the footer' });
    return { start, exit };
  } finally {
    ex.off('exit', onExit);
  }
}

/** The byte offset of the first byte after the header block of `file` (the child's first output byte). */
function outputOffset(bytes: Buffer): number {
  const at = bytes.indexOf(`\n${HEADER_END_LINE}`);
  expect(at).toBeGreaterThan(0);
  return at + 1 + Buffer.byteLength(HEADER_END_LINE);
}

/** Checks the layout of a file with a padded header: aligned, no NULs, every line header text, blank padding or `body`. */
function expectPaddedFile(bytes: Buffer, body: string[], pid?: number): string[] {
  expect(bytes.includes(0)).toBe(false);
  const offset = outputOffset(bytes);
  expect(offset % HEADER_ALIGN_BYTES).toBe(0);
  const lines = bytes.toString('utf8').split('\n');
  const end = lines.indexOf(HEADER_END);
  expect(lines[0]).toBe(HEADER_BEGIN);
  expect(end).toBeLessThan(HEADER_MAX_LINES);
  for (const line of lines.slice(1, end)) expect(HEADER_LINE.test(line), JSON.stringify(line.slice(0, 80))).toBe(true);
  const pad = lines[end - 1]!;
  expect(pad.startsWith(HEADER_PAD_PREFIX)).toBe(true);
  expect(pad.slice(HEADER_PAD_PREFIX.length).trim()).toBe(''); // nothing but spaces
  if (pid !== undefined) expect(lines).toContain(`# pid: ${pid}`);
  const footer = lines.lastIndexOf(FOOTER_BEGIN);
  expect(lines.slice(end + 1, footer)).toEqual(body);
  expect(lines.slice(footer + 1, -1).every((l) => HEADER_LINE.test(l))).toBe(true);
  return lines;
}

describe('padHeader', () => {
  it('pads a header with a blank "# padding:" line before its end line, to a multiple of the page size', () => {
    const header = formatHeader(INFO).replace(HEADER_PID_TOKEN, '12345');
    const padded = padHeader(header);
    expect(Buffer.byteLength(padded)).toBe(HEADER_ALIGN_BYTES);
    expect(padded.startsWith(header.slice(0, -HEADER_END_LINE.length))).toBe(true);
    const lines = padded.split('\n');
    expect(lines.at(-2)).toBe(HEADER_END);
    expect(lines.at(-3)).toBe(HEADER_PAD_PREFIX + ' '.repeat(headerPadSpaces(Buffer.byteLength(header))));
    expect(stripRunBlocks([...lines.slice(0, -1), 'out'], true)).toEqual(['out']);
    expect([...lines.slice(0, -1), 'out'].filter(runBlockFilter())).toEqual(['out']);
    expect(headerRunId(padded)).toBe('r1');
  });

  it('counts bytes, not characters, and pads a header longer than a page to the next multiple', () => {
    const long = padHeader(formatHeader({ ...INFO, script: `${'é'.repeat(3000)}.js` }));
    expect(Buffer.byteLength(long)).toBe(2 * HEADER_ALIGN_BYTES); // 6,000 bytes of script name: counted as 3,000 characters it would be one page
    for (let extra = 0; extra < 40; extra++) {
      const bytes = Buffer.byteLength(padHeader(formatHeader({ ...INFO, script: `${'x'.repeat(4040 + extra)}.js` })));
      expect(bytes % HEADER_ALIGN_BYTES).toBe(0);
    }
    expect(headerPadSpaces(HEADER_ALIGN_BYTES - 12)).toBe(0);
    expect(headerPadSpaces(HEADER_ALIGN_BYTES - 11)).toBe(HEADER_ALIGN_BYTES - 1);
  });

  it('leaves text that is not a run header as it is', () => {
    expect(padHeader('h\n')).toBe('h\n');
    expect(padHeader('')).toBe('');
  });
});

describe('the header shim', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
  const shells = ['/bin/sh', '/bin/dash', '/bin/bash'].filter((s) => existsSync(s));

  // Runs the shim with `shell` as it is run for a task, the command printing its LC_ALL; the output as bytes.
  function runShim(shell: string, header: string, env: Record<string, string>): Buffer {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'exsdk-align-'));
    dirs.push(dir);
    const r = spawnSync(shell, ['-c', HEADER_SHIM_SCRIPT, 'sh', path.join(dir, 'status'), header, '/bin/sh', '-c', 'echo "child LC_ALL=${LC_ALL-unset}"'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: T(10_000),
    });
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(dir, 'status'), 'utf8')).toMatch(/^0 /);
    return r.stdout;
  }

  it.each(shells)('%s: fills in the pid, pads to a page boundary byte-exactly (UTF-8, any locale), leaves LC_ALL as it was', (shell) => {
    const headers = [formatHeader(INFO), formatHeader({ ...INFO, script: `${'é'.repeat(3000)}.js`, command: ['node', 'ü'.repeat(50)] })];
    const envs: Record<string, string>[] = [{ LANG: 'C.UTF-8' }, { LC_ALL: 'C.UTF-8' }, { LC_ALL: '' }, {}];
    for (const header of headers) {
      for (const env of envs) {
        const out = runShim(shell, header, env);
        const offset = out.indexOf('child LC_ALL=');
        expect(offset % HEADER_ALIGN_BYTES, `${shell} ${JSON.stringify(env)}`).toBe(0);
        const pid = /^# pid: (\d+)$/m.exec(out.toString('utf8'))?.[1];
        expect(pid).toMatch(/^\d+$/);
        expect(out.subarray(0, offset).toString('utf8')).toBe(padHeader(header.replace(HEADER_PID_TOKEN, pid!)));
        expect(out.subarray(offset).toString('utf8')).toBe(`child LC_ALL=${env.LC_ALL ?? 'unset'}\n`);
      }
    }
  });

  it('prints a header that is not a run header unpadded', () => {
    const out = runShim('/bin/sh', `pid ${HEADER_PID_TOKEN}\n`, {});
    expect(out.toString('utf8')).toMatch(/^pid \d+\nchild LC_ALL=unset\n$/);
  });
});

describe('a task with default options (header on, fd mode)', () => {
  it("starts the child's output at a page-aligned offset; readOut, followOut and followRun see exactly its lines", async () => {
    const { ex } = kit.make();
    await ex.addTask('job', NUMBERED, { infiniteLoop: false, env: { LINES: '300' } });
    const followed: string[] = [];
    const ac = new AbortController();
    const following = (async () => { for await (const line of ex.followOut('job', { signal: ac.signal, pollMs: 20 })) followed.push(line); })();
    const { start } = await runOnce(ex, 'job');
    const file = path.join(ex.folder, 'job.txt');
    const bytes = readFileSync(file);
    const body = numbered(300);
    const lines = expectPaddedFile(bytes, body, start.pid);
    expect(outputOffset(bytes)).toBe(HEADER_ALIGN_BYTES); // a short header: exactly one page
    // The child's first byte, read at the offset itself.
    const fd = openSync(file, 'r');
    const first = Buffer.alloc(16);
    try { readSync(fd, first, 0, 16, HEADER_ALIGN_BYTES); } finally { closeSync(fd); }
    expect(first.toString('latin1')).toBe(`${body[0]}\n`);
    expect(await ex.readOut('job', 1000)).toEqual(body);
    expect(await ex.readOut('job', 5)).toEqual(body.slice(-5));
    expect(await ex.readOut('job', 1000, { raw: true })).toEqual(lines.slice(0, -1));
    await waitUntil(() => followed.length >= body.length, { what: 'followOut to see every line' });
    ac.abort();
    await following;
    expect(followed).toEqual(body);
    const viaRun: string[] = [];
    for await (const line of ex.followRun(start.runId)) viaRun.push(line);
    expect(viaRun).toEqual(body);
    const raw: string[] = [];
    for await (const line of ex.followRun(start.runId, { raw: true })) raw.push(line);
    expect(raw).toEqual(lines.slice(0, -1));
  });

  it('a run that prints nothing: readOut is empty, the file is the padded header and the footer', async () => {
    const { ex } = kit.make();
    await ex.addTask('quiet', NUMBERED, { infiniteLoop: false, env: { LINES: '0' } });
    await runOnce(ex, 'quiet');
    expectPaddedFile(readFileSync(path.join(ex.folder, 'quiet.txt')), []);
    expect(await ex.readOut('quiet')).toEqual([]);
  });

  it('keeps the header (padded) in the archive of the previous run, and readOut of the archive sees only its lines', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', NUMBERED, { infiniteLoop: false, env: { LINES: '20' } });
    const first = await runOnce(ex, 'job');
    const second = await runOnce(ex, 'job');
    const outputs = await ex.listOutputs('job');
    expect(outputs).toHaveLength(1);
    expect(outputs[0]!.runId).toBe(first.start.runId);
    expectPaddedFile(readFileSync(outputs[0]!.path), numbered(20), first.start.pid);
    expect(outputs[0]!.size).toBe(statSync(outputs[0]!.path).size);
    expect(await ex.readOut('job', 100, { run: 1 })).toEqual(numbered(20));
    expect(await ex.readOut('job', 100, { run: first.start.runId })).toEqual(numbered(20));
    expectPaddedFile(readFileSync(path.join(ex.folder, 'job.txt')), numbered(20), second.start.pid);
  });

  it('pads a header longer than a page (long command) to the next multiple', async () => {
    const { ex } = kit.make();
    const args = ['a'.repeat(3000), 'é'.repeat(1500), 'b c'.repeat(300)];
    await ex.addTask('long', NUMBERED, { infiniteLoop: false, args, env: { LINES: '10' } });
    await runOnce(ex, 'long');
    const bytes = readFileSync(path.join(ex.folder, 'long.txt'));
    expectPaddedFile(bytes, numbered(10));
    expect(outputOffset(bytes)).toBeGreaterThanOrEqual(2 * HEADER_ALIGN_BYTES);
    expect(await ex.readOut('long', 100)).toEqual(numbered(10));
  });

  it('pads each program step output too; readOut of a step sees only its line', async () => {
    const { ex } = kit.make();
    await ex.addTask('p', { steps: [{ name: 'one', script: 'run-step.js' }, { name: 'two', script: 'run-step.js' }], wd: PROGRAM_FIXTURES });
    const run = await ex.waitRun(await ex.runTask('p'), { timeout: T(RUN_TIMEOUT_MS) });
    expect(run.status).toBe('succeeded');
    for (const step of run.steps) {
      expectPaddedFile(readFileSync(path.join(ex.folder, step.outputFile!)), [`output of ${step.name}`]);
      expect(await ex.readOut('p', 10, { step: step.name })).toEqual([`output of ${step.name}`]);
    }
  });
});

describe('unaffected modes', () => {
  it('header: false writes exactly what the child printed', async () => {
    const { ex } = kit.make();
    await ex.addTask('bare', NUMBERED, { infiniteLoop: false, header: false, env: { LINES: '50' } });
    const exited = nextEvent(ex, 'exit', (e) => e.name === 'bare');
    await ex.startTask('bare');
    await exited;
    expect(readFileSync(path.join(ex.folder, 'bare.txt'), 'utf8')).toBe(numbered(50).map((l) => `${l}\n`).join(''));
  });

  it('writer mode (timestamps) keeps its unpadded header, and readOut its stamped lines', async () => {
    const { ex } = kit.make();
    await ex.addTask('ts', NUMBERED, { infiniteLoop: false, timestamps: true, env: { LINES: '5' } });
    const { start } = await runOnce(ex, 'ts');
    const text = readFileSync(path.join(ex.folder, 'ts.txt'), 'utf8');
    expect(text).not.toContain(HEADER_PAD_PREFIX.trim());
    const lines = text.split('\n');
    expect(lines[0]).toBe(HEADER_BEGIN);
    expect(lines).toContain(`# pid: ${start.pid}`);
    const read = await ex.readOut('ts', 10);
    expect(read.map((l) => l.replace(/^\S+ /, ''))).toEqual(numbered(5));
  });
});
