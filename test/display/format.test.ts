import { describe, expect, it } from 'vitest';
import { colorEnabled, paintFor, statusPaint } from '../../src/cli/color.js';
import {
  EMPTY_CELL, formatBytes, formatCpu, formatDuration, formatElapsed, formatExit, formatLocal, formatRunExit, formatStamp,
  formatUptime, formatWhen, relativeIn,
} from '../../src/display/format.js';

// Local noon: adding minutes or a few hours stays on the same local day in any zone; +15h is the next day.
const NOW = new Date(2024, 2, 5, 12, 0, 0).getTime();
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const iso = (ms: number): string => new Date(ms).toISOString();
const ESC = '\u001b[';

describe('colorEnabled', () => {
  const cases: [boolean | undefined, Record<string, string | undefined>, boolean][] = [
    [true, {}, true],
    [true, { TERM: 'xterm-256color' }, true],
    [true, { TERM: 'dumb' }, false],
    [false, {}, false],
    [undefined, {}, false],
    [false, { FORCE_COLOR: '1' }, true],
    [false, { FORCE_COLOR: '' }, true],
    [true, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { FORCE_COLOR: 'false' }, false],
    [false, { FORCE_COLOR: '0', NO_COLOR: '1' }, false],
    [true, { FORCE_COLOR: '3', TERM: 'dumb' }, true],
  ];
  it.each(cases)('isTTY %s, env %j → %s', (isTTY, env, expected) => {
    expect(colorEnabled(isTTY === undefined ? {} : { isTTY }, env)).toBe(expected);
  });
});

describe('statusPaint', () => {
  it('paints nothing when colour is off', () => {
    for (const s of ['running', 'failed', 'backoff', 'scheduled', 'stopped', 'weird']) expect(statusPaint(paintFor(false), s)).toBe(s);
  });
  it('paints status words by meaning when colour is on', () => {
    const p = paintFor(true);
    expect(statusPaint(p, 'running')).toBe(p.green('running'));
    expect(statusPaint(p, 'succeeded')).toBe(p.green('succeeded'));
    expect(statusPaint(p, 'failed')).toBe(p.red('failed'));
    expect(statusPaint(p, 'cancelled')).toBe(p.red('cancelled'));
    expect(statusPaint(p, 'queued')).toBe(p.yellow('queued'));
    expect(statusPaint(p, 'scheduled')).toBe(p.cyan('scheduled'));
    expect(statusPaint(p, 'idle')).toBe(p.dim('idle'));
    expect(statusPaint(p, 'running')).toContain(ESC);
    expect(statusPaint(p, 'weird')).toBe('weird');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'], [850, '850ms'], [4 * SEC, '4s'], [4 * SEC + 999, '4s'], [3 * MIN + 12 * SEC, '3m 12s'],
    [2 * HOUR + 5 * MIN + 30 * SEC, '2h 5m'], [3 * DAY + 4 * HOUR + 7 * MIN, '3d 4h'], [-5, '0ms'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('task cells', () => {
  it('formatUptime counts from lastStartedAt only while running', () => {
    expect(formatUptime({ status: 'running', lastStartedAt: iso(NOW - 4 * SEC) }, NOW)).toBe('4s');
    expect(formatUptime({ status: 'running', lastStartedAt: null }, NOW)).toBe(EMPTY_CELL);
    expect(formatUptime({ status: 'stopped', lastStartedAt: iso(NOW - 4 * SEC) }, NOW)).toBe(EMPTY_CELL);
  });
  it('formatExit shows code, signal and kill reason', () => {
    expect(formatExit({ lastExitCode: 0, lastSignal: null, lastKill: null })).toBe('0');
    expect(formatExit({ lastExitCode: 1, lastSignal: null, lastKill: null })).toBe('1');
    expect(formatExit({ lastExitCode: null, lastSignal: 'SIGTERM', lastKill: null })).toBe('SIGTERM');
    expect(formatExit({ lastExitCode: null, lastSignal: 'SIGTERM', lastKill: 'timeout' })).toBe('SIGTERM (timeout)');
    expect(formatExit({ lastExitCode: null, lastSignal: 'SIGKILL', lastKill: 'memory' })).toBe('SIGKILL (memory)');
    expect(formatExit({ lastExitCode: null, lastSignal: null, lastKill: null })).toBe(EMPTY_CELL);
  });
  it('formatCpu and formatBytes', () => {
    expect(formatCpu(null)).toBe(EMPTY_CELL);
    expect(formatCpu(0.5)).toBe('0.5%');
    expect(formatCpu(12.4)).toBe('12%');
    expect(formatBytes(null)).toBe(EMPTY_CELL);
    expect(formatBytes(Math.round(12.3 * 1024 * 1024))).toBe('12.3MB');
    expect(formatBytes(512)).toBe('512B');
  });
});

describe('formatRunExit', () => {
  const base = { exitCode: null, signal: null, timedOut: false, exitUnknown: false, endedAt: iso(NOW) };
  it('shows code, signal, timeout, unknown, or - while running', () => {
    expect(formatRunExit({ ...base, exitCode: 0 })).toBe('0');
    expect(formatRunExit({ ...base, exitCode: 2 })).toBe('2');
    expect(formatRunExit({ ...base, signal: 'SIGTERM' })).toBe('SIGTERM');
    expect(formatRunExit({ ...base, signal: 'SIGTERM', timedOut: true })).toBe('timeout');
    expect(formatRunExit({ ...base, exitUnknown: true })).toBe('unknown');
    expect(formatRunExit({ ...base, endedAt: null })).toBe(EMPTY_CELL);
  });
});

describe('times', () => {
  it('formatWhen on the same local day shows the clock and how far ahead', () => {
    expect(formatWhen(iso(NOW + 4 * MIN + 10 * SEC), NOW)).toBe('12:04:10 (in 4m 10s)');
  });
  it('formatWhen on another day shows the date', () => {
    expect(formatWhen(iso(NOW + 15 * HOUR + 2 * MIN), NOW)).toMatch(/^Mar 6 03:02 \(in 15h 2m\)$/);
  });
  it('formatWhen in the past is due, and null is -', () => {
    expect(formatWhen(iso(NOW - 30 * SEC), NOW)).toBe('11:59:30 (due)');
    expect(formatWhen(null, NOW)).toBe(EMPTY_CELL);
  });
  it('relativeIn', () => {
    expect(relativeIn(iso(NOW + 3 * HOUR + 2 * MIN), NOW)).toBe('in 3h 2m');
    expect(relativeIn(iso(NOW), NOW)).toBe('due');
    expect(relativeIn(iso(NOW - DAY), NOW)).toBe('due');
  });
  it('formatLocal and formatStamp use the local zone', () => {
    expect(formatLocal(iso(NOW))).toMatch(/^2024-03-05 12:00:00 [+-]\d\d:\d\d$/);
    expect(formatStamp(iso(NOW))).toBe('2024-03-05 12:00:00');
    expect(formatStamp(null)).toBe(EMPTY_CELL);
  });
  it('formatElapsed runs to now while not ended', () => {
    expect(formatElapsed(iso(NOW - 3 * MIN), iso(NOW - MIN), NOW)).toBe('2m');
    expect(formatElapsed(iso(NOW - 3 * MIN), null, NOW)).toBe('3m');
    expect(formatElapsed(null, null, NOW)).toBe(EMPTY_CELL);
  });
});
