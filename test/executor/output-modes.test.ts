// Output modes of a run: header/footer blocks, `timestamps`, `stderr: 'separate'` (archived alongside).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import type { ExitEvent, StartEvent } from '../../src/events.js';
import { FIXTURES, nextEvent, useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';

const kit = useExecutors();
const HEADER_BEGIN = '# ---- executor-sdk run ----';
const HEADER_END = '# ---- output ----';
const FOOTER_BEGIN = '# ---- executor-sdk run end ----';
const ISO = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z`;
const STAMPED = new RegExp(`^(${ISO}) (.*)$`);
const ARCHIVE = /^sep_(\d{8}-\d{6})(-\d+)?\.txt$/;

/** Starts `name` (startTask) and resolves with its start and exit events once the run has ended. */
async function runOnce(ex: Executor, name: string, whileRunning?: () => Promise<void>): Promise<{ start: StartEvent; exit: ExitEvent }> {
  const started = nextEvent(ex, 'start', (e) => e.name === name);
  const exits: ExitEvent[] = [];
  const onExit = (e: ExitEvent) => { if (e.name === name) exits.push(e); };
  ex.on('exit', onExit);
  try {
    await ex.startTask(name);
    const start = await started;
    await whileRunning?.();
    const exit = await waitUntil(() => exits.find((e) => e.runId === start.runId), { timeoutMs: 15_000, what: `run ${start.runId} to end` });
    return { start, exit };
  } finally {
    ex.off('exit', onExit);
  }
}

function fileLines(ex: Executor, file: string): string[] {
  return readFileSync(path.join(ex.folder, file), 'utf8').split('\n');
}

/** The `# key: value` lines of the header block at the top of `lines`, by key. */
function headerOf(lines: string[]): Map<string, string> {
  expect(lines[0]).toBe(HEADER_BEGIN);
  const end = lines.indexOf(HEADER_END);
  expect(end).toBeGreaterThan(0);
  return new Map(lines.slice(1, end).map((l) => {
    const m = /^# (\w+): (.*)$/.exec(l);
    expect(m, `header line ${JSON.stringify(l)}`).not.toBeNull();
    return [m![1]!, m![2]!];
  }));
}

/** The footer block at the end of `lines` (the file ends with a newline): [exit, ended]. */
function footerOf(lines: string[]): [string, string] {
  expect(lines.at(-1)).toBe('');
  const at = lines.lastIndexOf(FOOTER_BEGIN);
  expect(at).toBe(lines.length - 4);
  return [lines[at + 1]!, lines[at + 2]!];
}

/** What the run printed: the lines between the header and the footer. */
function bodyOf(lines: string[]): string[] {
  return lines.slice(lines.indexOf(HEADER_END) + 1, lines.lastIndexOf(FOOTER_BEGIN));
}

describe('header and footer', () => {
  it('the output file starts with a header (task, runId, trigger, host, user, pid, interpreter, script, start) and ends with a footer', async () => {
    const { ex } = kit.make();
    await ex.addTask('hdr', 'i3-runs-streams.js', { wd: FIXTURES, infiniteLoop: false });
    const { start, exit } = await runOnce(ex, 'hdr');
    const lines = fileLines(ex, 'hdr.txt');
    const header = headerOf(lines);
    expect(header.get('task')).toBe('hdr');
    expect(header.get('run')).toBe(start.runId);
    expect(header.get('pid')).toBe(String(start.pid));
    expect(header.get('trigger')).toMatch(/^manual\b/);
    expect(header.get('started')).toBe(start.startedAt);
    expect(header.get('host')).toBe(`${os.hostname()}  user: ${os.userInfo().username}`);
    expect(header.has('interpreter')).toBe(true);
    expect(header.get('script')).toBe('i3-runs-streams.js');
    const [interpreter, script, ...rest] = header.get('command')!.split(' ');
    expect([path.basename(interpreter!), script, rest]).toEqual(['node', path.join(FIXTURES, 'i3-runs-streams.js'), []]);
    const [exitLine, endedLine] = footerOf(lines);
    expect(exitLine).toBe('# exit: code 0');
    const ended = new RegExp(`^# ended: (${ISO}) after (\\d+\\.\\d{3}) s$`).exec(endedLine);
    expect(ended, endedLine).not.toBeNull();
    expect(Number(ended![2]) * 1000).toBeCloseTo(exit.durationMs, -1);
    const printed = [`out 0 ${start.runId}`, `err 0 ${start.runId}`, `out 1 ${start.runId}`, `err 1 ${start.runId}`];
    expect(bodyOf(lines)).toEqual(printed);
    expect(await ex.readOut('hdr')).toEqual(printed);
    expect(await ex.readOut('hdr', 100, { raw: true })).toEqual(lines.slice(0, -1));
  });

  it('the header names the trigger time of a runTask({ trigger }) run', async () => {
    const { ex } = kit.make();
    await ex.addTask('hdr', 'i3-runs-streams.js', { wd: FIXTURES, infiniteLoop: false });
    const runId = await ex.runTask('hdr', { trigger: '2019-01-01T08:00:00Z' });
    await ex.waitRun(runId);
    expect(headerOf(fileLines(ex, 'hdr.txt')).get('trigger')).toBe('manual at 2019-01-01T08:00:00.000Z');
  });

  it('the header of a startTask run names its trigger time too', async () => {
    const { ex } = kit.make();
    await ex.addTask('hdr', 'i3-runs-streams.js', { wd: FIXTURES, infiniteLoop: false });
    const { start } = await runOnce(ex, 'hdr');
    const trigger = headerOf(fileLines(ex, 'hdr.txt')).get('trigger');
    expect(trigger, `header trigger line of run ${start.runId}`).toMatch(new RegExp(`^manual.*${ISO}`));
  });

  it('the footer gives a failing exit code, or the signal', async () => {
    const { ex } = kit.make();
    await ex.addTask('three', 'once.js', { wd: FIXTURES, infiniteLoop: false, args: [3] });
    await ex.addTask('killed', 'self-kill.js', { wd: FIXTURES, infiniteLoop: false });
    await runOnce(ex, 'three');
    await runOnce(ex, 'killed');
    expect(footerOf(fileLines(ex, 'three.txt'))[0]).toBe('# exit: code 3');
    expect(footerOf(fileLines(ex, 'killed.txt'))[0]).toBe('# exit: signal SIGKILL');
    expect(await ex.readOut('killed')).toEqual(['dying']);
  });

  it('writer mode (timestamps): the header pid is the run pid too, and header/footer lines are not stamped', async () => {
    const { ex } = kit.make();
    await ex.addTask('hdr', 'i3-runs-streams.js', { wd: FIXTURES, infiniteLoop: false, timestamps: true });
    const { start } = await runOnce(ex, 'hdr');
    const lines = fileLines(ex, 'hdr.txt');
    expect(headerOf(lines).get('pid')).toBe(String(start.pid));
    expect(footerOf(lines)[0]).toBe('# exit: code 0');
    expect(bodyOf(lines).map((l) => STAMPED.exec(l)?.[2])).toEqual([0, 1].flatMap((i) => [`out ${i} ${start.runId}`, `err ${i} ${start.runId}`]));
  });

  it('header: false writes exactly what the task printed', async () => {
    const { ex } = kit.make();
    await ex.addTask('bare', 'i3-runs-streams.js', { wd: FIXTURES, infiniteLoop: false, header: false });
    const { start } = await runOnce(ex, 'bare');
    const printed = [0, 1].flatMap((i) => [`out ${i} ${start.runId}`, `err ${i} ${start.runId}`]);
    expect(readFileSync(path.join(ex.folder, 'bare.txt'), 'utf8')).toBe(printed.map((l) => `${l}\n`).join(''));
    expect(await ex.readOut('bare', 100, { raw: true })).toEqual(printed);
    expect(await ex.readOut('bare')).toEqual(printed);
  });
});

describe('timestamps', () => {
  it('stamps every line once (a line split across writes too) and flushes a partial last line at exit', async () => {
    const { ex, dir } = kit.make();
    const go = path.join(dir, 'go');
    await ex.addTask('ts', 'i3-runs-split.js', { wd: FIXTURES, infiniteLoop: false, timestamps: true, env: { GO_FILE: go } });
    let goAt = 0;
    await runOnce(ex, 'ts', async () => {
      await waitUntil(() => existsSync(path.join(ex.folder, 'ts.txt')) && readFileSync(path.join(ex.folder, 'ts.txt'), 'utf8').endsWith('half of a '), { what: 'the first half of the line' });
      goAt = Date.now();
      writeFileSync(go, '');
    });
    const lines = fileLines(ex, 'ts.txt');
    headerOf(lines);
    footerOf(lines);
    const body = bodyOf(lines).map((l) => STAMPED.exec(l));
    expect(body.every((m) => m !== null), JSON.stringify(bodyOf(lines))).toBe(true);
    expect(body.map((m) => m![2])).toEqual(['first line', 'on stderr', 'half of a line', 'last line', 'no newline at the end']);
    // The split line is stamped when its first half arrived: before the fixture was told to write the rest.
    expect(Date.parse(body[2]![1]!)).toBeLessThanOrEqual(goAt);
    expect(await ex.readOut('ts')).toEqual(bodyOf(lines));
  });

  it('without a header, the file is only stamped lines, the partial last one ended with a newline', async () => {
    const { ex, dir } = kit.make();
    const go = path.join(dir, 'go');
    writeFileSync(go, '');
    await ex.addTask('ts', 'i3-runs-split.js', { wd: FIXTURES, infiniteLoop: false, timestamps: true, header: false, env: { GO_FILE: go } });
    await runOnce(ex, 'ts');
    const text = readFileSync(path.join(ex.folder, 'ts.txt'), 'utf8');
    expect(text.endsWith('no newline at the end\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines.map((l) => STAMPED.exec(l)?.[2])).toEqual(['first line', 'on stderr', 'half of a line', 'last line', 'no newline at the end']);
  });
});

describe("stderr: 'separate'", () => {
  it.each([
    ['written directly', {}],
    ['through the writer (timestamps)', { timestamps: true }],
  ])('%s: stderr goes to <name>.err.txt, archived alongside, readable with { stream: "stderr" }', async (_mode, extra) => {
    const { ex } = kit.make();
    await ex.addTask('sep', 'i3-runs-streams.js', { wd: FIXTURES, infiniteLoop: false, stderr: 'separate', ...extra });
    const strip = (lines: string[]) => lines.map((l) => STAMPED.exec(l)?.[2] ?? l);
    const { start } = await runOnce(ex, 'sep');
    const first = start.runId;
    expect(headerOf(fileLines(ex, 'sep.txt')).get('pid')).toBe(String(start.pid));
    expect(strip(await ex.readOut('sep'))).toEqual([`out 0 ${first}`, `out 1 ${first}`]);
    expect(strip(await ex.readOut('sep', 50, { stream: 'stderr' }))).toEqual([`err 0 ${first}`, `err 1 ${first}`]);
    expect(strip(fileLines(ex, 'sep.err.txt'))).toEqual([`err 0 ${first}`, `err 1 ${first}`, '']);
    expect(bodyOf(fileLines(ex, 'sep.txt')).some((l) => l.includes('err'))).toBe(false);

    const second = (await runOnce(ex, 'sep')).start.runId;
    const archives = (await ex.listOutputs('sep')).map((o) => o.file);
    expect(archives).toHaveLength(1);
    expect(archives[0]).toMatch(ARCHIVE);
    const errArchive = archives[0]!.replace(/\.txt$/, '.err.txt');
    expect(existsSync(path.join(ex.folder, errArchive))).toBe(true);
    expect(strip(fileLines(ex, errArchive))).toEqual([`err 0 ${first}`, `err 1 ${first}`, '']);
    expect(strip(await ex.readOut('sep', 50, { run: 1, stream: 'stderr' }))).toEqual([`err 0 ${first}`, `err 1 ${first}`]);
    expect(strip(await ex.readOut('sep', 50, { run: first, stream: 'stderr' }))).toEqual([`err 0 ${first}`, `err 1 ${first}`]);
    expect(strip(await ex.readOut('sep', 50, { run: 1 }))).toEqual([`out 0 ${first}`, `out 1 ${first}`]);
    expect(strip(await ex.readOut('sep', 50, { stream: 'stderr' }))).toEqual([`err 0 ${second}`, `err 1 ${second}`]);
    expect(await ex.waitRun(first)).toMatchObject({ outputFile: archives[0], errorFile: errArchive });
  });
});
