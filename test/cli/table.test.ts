import { describe, expect, it } from 'vitest';
import { paintFor } from '../../src/cli/color.js';
import { renderRunDetails, renderRunTable, renderTaskTable } from '../../src/cli/table.js';
import type { RunRecord, StepRecord } from '../../src/store/records.js';
import type { TaskRow } from '../../src/task/rows.js';

const NOW = new Date(2024, 2, 5, 12, 0, 0).getTime();
const iso = (ms: number): string => new Date(ms).toISOString();
const ESC = '\u001b[';
const plain = { now: NOW, paint: paintFor(false) };
const colored = { now: NOW, paint: paintFor(true) };

/** A TaskRow with every field, idle and never run; `over` replaces fields. */
function taskRow(over: Partial<TaskRow> = {}): TaskRow {
  return {
    id: 'ex1', name: 'web', script: 'server.js', wd: '/srv', status: 'idle', pid: null, restarts: 0, lastExitCode: null,
    lastSignal: null, lastStartedAt: null, lastEndedAt: null, lastTrigger: null, infiniteLoop: false, period: null, start: null,
    timezone: null, nextRun: null, interpreter: 'node', args: [], env: {}, backoffUntil: null, addedAt: iso(NOW - 86_400_000),
    cron: null, enabled: true, catchUp: 'none', overlap: 'skip', jitterMs: 0, timeoutMs: null, queued: 0, runs: 0, lastKill: null,
    cpu: null, rss: null, steps: null, tags: [], description: null, on: [], concurrency: null, stderr: 'merge', supervisor: null,
    dependsOn: [], after: [], waiting: null, user: null, group: null, limits: null, nice: null, envFiles: [], secretEnv: [], ...over,
  };
}

/** A RunRecord with every field, succeeded after 3 s; `over` replaces fields. */
function runRecord(over: Partial<RunRecord> = {}): RunRecord {
  return {
    formatVersion: 1, runId: 'r-0001', task: 'web', trigger: 'manual', scheduledFor: null, startedAt: iso(NOW - 10_000), pid: 4242,
    pidStartTime: 1, bootId: 'boot', endedAt: iso(NOW - 7000), exitCode: 0, signal: null, exitUnknown: false, stopped: false,
    outputFile: 'web.txt', errorFile: null, triggerTime: null, queuedAt: null, timedOut: false, killedFor: null, status: 'succeeded',
    createdAt: iso(NOW - 10_000), event: null, data: null, step: null, stepRetryCount: 0, finishedAt: iso(NOW - 7000), erroredAt: null,
    errorMessage: null, steps: [], saved: null, ...over,
  };
}

function step(over: Partial<StepRecord> = {}): StepRecord {
  return {
    name: 'extract', status: 'completed', startedAt: iso(NOW - 10_000), endedAt: iso(NOW - 8000), exitCode: 0, signal: null, retries: 0,
    timedOut: false, pid: 11, outputFile: 'runs/web/r-0001.extract.txt', errorFile: null, ...over,
  };
}

const lines = (text: string): string[] => text.split('\n');

describe('renderTaskTable', () => {
  it('has the header words and - for empty cells', () => {
    const out = renderTaskTable([taskRow()], plain);
    const [head, row] = lines(out);
    for (const word of ['NAME', 'STATUS', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'NEXT RUN', 'CPU', 'MEM']) expect(head).toContain(word);
    expect(row?.split(/\s{2,}/)).toEqual(['web', 'idle', '-', '-', '0', '-', '-', '-', '-']);
    expect(out.endsWith('\n')).toBe(false);
    expect(lines(out).every((l) => l === l.trimEnd())).toBe(true);
  });

  it('fills a running task', () => {
    const out = renderTaskTable([taskRow({ status: 'running', pid: 123, lastStartedAt: iso(NOW - 192_000), restarts: 2, cpu: 0.5, rss: 12 * 1024 * 1024, lastExitCode: 0 })], plain);
    expect(lines(out)[1]?.split(/\s{2,}/)).toEqual(['web', 'running', '123', '3m 12s', '2', '0', '-', '0.5%', '12MB']);
  });

  it('shows disabled for a disabled task that is not running', () => {
    expect(lines(renderTaskTable([taskRow({ enabled: false, status: 'scheduled' })], plain))[1]).toContain('disabled');
    expect(lines(renderTaskTable([taskRow({ enabled: false, status: 'running', pid: 1 })], plain))[1]).toContain('running');
  });

  it('has no colour with paintFor(false) and colour with paintFor(true)', () => {
    const rows = [taskRow({ status: 'failed', lastExitCode: 1 }), taskRow({ name: 'b', status: 'running', pid: 9 })];
    expect(renderTaskTable(rows, plain)).not.toContain(ESC);
    const out = renderTaskTable(rows, colored);
    expect(out).toContain(ESC);
    expect(out).toContain(paintFor(true).bold('NAME'));
    expect(out).toContain(paintFor(true).red('1'));
    expect(out).toContain(paintFor(true).green('running'));
  });

  it('truncates long names so every line fits the width', () => {
    const long = 'a-really-long-task-name-that-goes-on-and-on-and-on-for-ever';
    const out = renderTaskTable([taskRow({ name: long, nextRun: iso(NOW + 60_000) }), taskRow({ name: 'short' })], { ...plain, width: 80 });
    for (const line of lines(out)) expect(line.length).toBeLessThanOrEqual(80);
    const name = lines(out)[1]?.split(/\s{2,}/)[0] ?? '';
    expect(name.endsWith('…')).toBe(true);
    expect(long.startsWith(name.slice(0, -1))).toBe(true);
    expect(lines(out)[2]?.startsWith('short ')).toBe(true);
  });

  it('never cuts a name below 8 characters', () => {
    const out = renderTaskTable([taskRow({ name: 'abcdefghijklmnop', nextRun: iso(NOW + 60_000) })], { ...plain, width: 20 });
    expect(lines(out)[1]?.split(/\s{2,}/)[0]).toBe('abcdefg…');
  });

  it('fits a busy 9-task table in 120 columns', () => {
    const rows = Array.from({ length: 9 }, (_, i) => taskRow({
      name: `worker-number-${i}-with-a-rather-long-descriptive-name`, status: 'running', pid: 400_000 + i, restarts: 12,
      lastStartedAt: iso(NOW - 3 * 86_400_000 - 4 * 3_600_000), lastExitCode: null, lastSignal: 'SIGTERM', lastKill: 'timeout',
      nextRun: iso(NOW + 15 * 3_600_000 + 2 * 60_000), cpu: 99.4, rss: 1.5 * 1024 * 1024 * 1024,
    }));
    const out = renderTaskTable(rows, { ...colored, width: 120 });
    const stripped = out.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    expect(stripped).not.toContain(ESC);
    expect(lines(stripped)).toHaveLength(10);
    for (const line of lines(stripped)) expect(line.length).toBeLessThanOrEqual(120);
  });

  it('leaves names whole without a width', () => {
    const long = 'x'.repeat(150);
    expect(renderTaskTable([taskRow({ name: long })], plain)).toContain(long);
  });
});

describe('renderRunTable', () => {
  it('has the header words and one row per run', () => {
    const runs = [
      runRecord({ saved: { name: 'golden', description: null, savedAt: iso(NOW) } }),
      runRecord({ runId: 'r-0002', status: 'running', endedAt: null, exitCode: null, finishedAt: null, startedAt: iso(NOW - 65_000) }),
      runRecord({ runId: 'r-0003', status: 'queued', pid: 0, bootId: '', endedAt: null, exitCode: null, outputFile: '' }),
    ];
    const out = renderRunTable(runs, plain);
    const [head, done, live, queued] = lines(out);
    for (const word of ['RUN ID', 'TASK', 'TRIGGER', 'STATUS', 'STARTED', 'DURATION', 'EXIT', 'SAVED']) expect(head).toContain(word);
    expect(done?.split(/\s{2,}/)).toEqual(['r-0001', 'web', 'manual', 'succeeded', '2024-03-05 11:59:50', '3s', '0', 'golden']);
    expect(live?.split(/\s{2,}/)).toEqual(['r-0002', 'web', 'manual', 'running', '2024-03-05 11:58:55', '1m 5s', '-', '-']);
    expect(queued?.split(/\s{2,}/)).toEqual(['r-0003', 'web', 'manual', 'queued', '-', '-', '-', '-']);
    expect(out).not.toContain(ESC);
  });

  it('paints a failed run', () => {
    const out = renderRunTable([runRecord({ status: 'failed', exitCode: 3 })], colored);
    expect(out).toContain(paintFor(true).red('failed'));
    expect(out).toContain(paintFor(true).red('3'));
  });
});

describe('renderRunDetails', () => {
  it('prints key: value lines and skips null values', () => {
    const out = renderRunDetails(runRecord({ data: { a: 1 }, saved: { name: 'golden', description: 'kept', savedAt: iso(NOW) } }), plain);
    const ls = lines(out);
    expect(ls).toContain('runId: r-0001');
    expect(ls).toContain('status: succeeded');
    expect(ls).toContain('duration: 3s');
    expect(ls).toContain('exit: 0');
    expect(ls).toContain('saved: golden');
    expect(ls).toContain('savedDescription: kept');
    expect(ls).toContain('data: {"a":1}');
    expect(ls).toContain('outputFile: web.txt');
    expect(out).not.toMatch(/errorMessage|triggerTime|event:/);
    expect(out).not.toContain('STEP');
  });

  it('truncates long data to 200 characters', () => {
    const out = renderRunDetails(runRecord({ data: { text: 'z'.repeat(500) } }), plain);
    const data = lines(out).find((l) => l.startsWith('data: ')) ?? '';
    expect(data.length).toBe('data: '.length + 200);
    expect(data.endsWith('…')).toBe(true);
  });

  it('adds a steps table for a program run', () => {
    const run = runRecord({
      status: 'failed', exitCode: 1, errorMessage: 'boom', step: 1,
      steps: [step(), step({ name: 'load', status: 'failed', startedAt: iso(NOW - 8000), endedAt: iso(NOW - 7000), exitCode: 1, retries: 2, outputFile: 'runs/web/r-0001.load.txt' }),
        step({ name: 'report', status: 'unprocessed', startedAt: null, endedAt: null, exitCode: null, pid: null, outputFile: null })],
    });
    const ls = lines(renderRunDetails(run, plain));
    const blank = ls.indexOf('');
    expect(blank).toBeGreaterThan(0);
    expect(ls).toContain('errorMessage: boom');
    const head = ls[blank + 1] ?? '';
    for (const word of ['STEP', 'STATUS', 'STARTED', 'DURATION', 'EXIT', 'RETRIES', 'OUTPUT']) expect(head).toContain(word);
    expect(ls[blank + 2]?.split(/\s{2,}/)).toEqual(['extract', 'completed', '2024-03-05 11:59:50', '2s', '0', '0', 'runs/web/r-0001.extract.txt']);
    expect(ls[blank + 3]?.split(/\s{2,}/)).toEqual(['load', 'failed', '2024-03-05 11:59:52', '1s', '1', '2', 'runs/web/r-0001.load.txt']);
    expect(ls[blank + 4]?.split(/\s{2,}/)).toEqual(['report', 'unprocessed', '-', '-', '-', '0', '-']);
    expect(renderRunDetails(run, colored)).toContain(ESC);
  });
});
