import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import {
  BASE_DELAY_MS, FAST_RUN_MS, INITIAL_RESTART_STATE, JITTER_RATIO, MAX_DELAY_MS, RESTART_WINDOW_MS, STABLE_RUN_MS,
  decideRestart, describeDelay, type RestartDecision, type RestartInput, type RestartState,
} from '../../src/restart/policy.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const MID = () => 0.5; // no jitter

// A run of `runMs` that ended now.
function crash(state: RestartState, runMs: number, extra: Partial<RestartInput> = {}): RestartDecision {
  return decideRestart({ state, runStartedAt: NOW - runMs, runEndedAt: NOW, now: NOW, random: MID, ...extra });
}

function delayOf(d: RestartDecision): number {
  if (d.action !== 'restart') throw new Error(`expected a restart, got ${d.action}: ${d.reason}`);
  return d.delayMs;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('constants', () => {
  it('have the documented values', () => {
    expect({ FAST_RUN_MS, STABLE_RUN_MS, BASE_DELAY_MS, MAX_DELAY_MS, JITTER_RATIO, RESTART_WINDOW_MS }).toEqual({
      FAST_RUN_MS: 10_000, STABLE_RUN_MS: 30_000, BASE_DELAY_MS: 500, MAX_DELAY_MS: 60_000, JITTER_RATIO: 0.1, RESTART_WINDOW_MS: 3_600_000,
    });
  });

  it('INITIAL_RESTART_STATE is empty and frozen', () => {
    expect(INITIAL_RESTART_STATE).toEqual({ failStreak: 0, restartTimes: [] });
    expect(Object.isFrozen(INITIAL_RESTART_STATE)).toBe(true);
    expect(Object.isFrozen(INITIAL_RESTART_STATE.restartTimes)).toBe(true);
  });
});

describe('failure streak', () => {
  it('grows with fast failures, with an immediate first restart then doubling delays capped at MAX_DELAY_MS', () => {
    let state = INITIAL_RESTART_STATE;
    const delays: number[] = [];
    const streaks: number[] = [];
    for (let i = 0; i < 12; i++) {
      const d = crash(state, 1200);
      delays.push(delayOf(d));
      streaks.push(d.state.failStreak);
      state = { ...d.state, restartTimes: [] };
    }
    expect(streaks).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(delays).toEqual([0, 500, 1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it.each<[number, number, number, number]>([
    // [run ms, streak before, streak after, delay with no jitter]
    [0, 0, 1, 0],
    [FAST_RUN_MS - 1, 0, 1, 0],
    [FAST_RUN_MS - 1, 2, 3, 1000],
    [FAST_RUN_MS, 5, 5, 0],
    [20_000, 5, 5, 0],
    [STABLE_RUN_MS - 1, 5, 5, 0],
    [STABLE_RUN_MS, 5, 0, 0],
    [3_600_000, 7, 0, 0],
    [STABLE_RUN_MS, 0, 0, 0],
  ])('a run of %d ms with streak %d -> streak %d, delay %d', (runMs, before, after, delay) => {
    const d = crash({ failStreak: before, restartTimes: [] }, runMs);
    expect(d.state.failStreak).toBe(after);
    expect(delayOf(d)).toBe(delay);
  });

  it('restarts the first fast failure after a stable run immediately', () => {
    const stable = crash({ failStreak: 6, restartTimes: [] }, 45_000);
    const fast = crash(stable.state, 300);
    expect(fast.state.failStreak).toBe(1);
    expect(delayOf(fast)).toBe(0);
  });

  it('counts a run that ends before it started as a zero-length fast failure', () => {
    const d = decideRestart({ state: { failStreak: 1, restartTimes: [] }, runStartedAt: NOW, runEndedAt: NOW - 5000, now: NOW, random: MID });
    expect(d.state.failStreak).toBe(2);
    expect(delayOf(d)).toBe(500);
    expect(d.reason).toBe('crashed after 0 ms (2nd fast failure in a row); restarting in 500 ms');
  });
});

describe('jitter', () => {
  it.each<[number, number, number]>([
    // [streak before, random, delay]
    [1, 0, 450],
    [1, 0.25, 475],
    [1, 0.123, 462], // 500 · (1 − 0.0754) = 462.3, rounded
    [1, 0.999_999_9, 550],
    [3, 0, 1800],
    [3, 0.75, 2100],
    [20, 0, 54_000], // jitter applies after the cap
    [20, 0.999_999_9, 66_000],
    [1000, 0.5, 60_000],
  ])('streak %d+1 with random %d -> %d ms', (before, r, delay) => {
    expect(delayOf(crash({ failStreak: before, restartTimes: [] }, 1000, { random: () => r }))).toBe(delay);
  });

  it('clamps a misbehaving random into [0, 1], so the delay is never negative', () => {
    expect(delayOf(crash({ failStreak: 1, restartTimes: [] }, 1000, { random: () => -5 }))).toBe(450);
    expect(delayOf(crash({ failStreak: 1, restartTimes: [] }, 1000, { random: () => 7 }))).toBe(550);
    expect(delayOf(crash({ failStreak: 1, restartTimes: [] }, 1000, { random: () => Number.NaN }))).toBe(450);
  });

  it('defaults to Math.random, staying within ±10 % and integral', () => {
    for (let i = 0; i < 200; i++) {
      const d = decideRestart({ state: { failStreak: 2, restartTimes: [] }, runStartedAt: 0, runEndedAt: 10, now: 10 });
      const delay = delayOf(d);
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(900);
      expect(delay).toBeLessThanOrEqual(1100);
    }
  });

  it('is never applied to immediate restarts', () => {
    expect(delayOf(crash(INITIAL_RESTART_STATE, 100, { random: () => 0.99 }))).toBe(0);
    expect(delayOf(crash({ failStreak: 9, restartTimes: [] }, 15_000, { random: () => 0.99 }))).toBe(0);
  });
});

describe('restart window and maxRestarts', () => {
  it('forgets restarts older than the window and records now', () => {
    const old = [NOW - RESTART_WINDOW_MS - 1, NOW - RESTART_WINDOW_MS, NOW - RESTART_WINDOW_MS + 1, NOW - 10];
    const d = crash({ failStreak: 0, restartTimes: old }, 20_000);
    expect(d.action).toBe('restart');
    expect(d.state.restartTimes).toEqual([NOW - RESTART_WINDOW_MS + 1, NOW - 10, NOW]);
  });

  it('gives up once maxRestarts restarts happened within the window', () => {
    const times = [NOW - 50 * 60_000, NOW - 20 * 60_000, NOW - 1000];
    const d = crash({ failStreak: 2, restartTimes: times }, 1200, { maxRestarts: 3 });
    expect(d).toEqual({
      action: 'give-up',
      state: { failStreak: 3, restartTimes: times },
      reason: 'crashed after 1.2 s (3rd fast failure in a row); giving up: 3 restarts in the last hour (maxRestarts = 3)',
    });
    expect(d).not.toHaveProperty('delayMs');
  });

  it('restarts while under maxRestarts, counting only the window', () => {
    const times = [NOW - 2 * RESTART_WINDOW_MS, NOW - 70 * 60_000, NOW - 1000, NOW - 500];
    const d = crash({ failStreak: 0, restartTimes: times }, 20_000, { maxRestarts: 3 });
    expect(d.action).toBe('restart');
    expect(d.state.restartTimes).toEqual([NOW - 1000, NOW - 500, NOW]);
    const next = crash(d.state, 20_000, { maxRestarts: 3 });
    expect(next.action).toBe('give-up');
  });

  it('gives up regardless of the run length', () => {
    expect(crash({ failStreak: 0, restartTimes: [NOW - 1] }, 3_600_000, { maxRestarts: 1 }).action).toBe('give-up');
  });

  it('gives up at once with maxRestarts 0', () => {
    const d = crash(INITIAL_RESTART_STATE, 1000, { maxRestarts: 0 });
    expect(d.action).toBe('give-up');
    expect(d.reason).toBe('crashed after 1 s (1st fast failure in a row); giving up: 0 restarts in the last hour (maxRestarts = 0)');
  });

  it.each([null, undefined, Infinity])('never gives up with maxRestarts %s', (maxRestarts) => {
    const times = Array.from({ length: 1000 }, (_, i) => NOW - i);
    const d = crash({ failStreak: 0, restartTimes: times }, 20_000, { maxRestarts });
    expect(d.action).toBe('restart');
    expect(d.state.restartTimes).toHaveLength(1001);
  });
});

describe('purity', () => {
  it('never mutates its input and returns fresh state', () => {
    const state = deepFreeze({ failStreak: 3, restartTimes: [NOW - RESTART_WINDOW_MS * 2, NOW - 10] });
    const input = deepFreeze({ state, runStartedAt: NOW - 100, runEndedAt: NOW, now: NOW, maxRestarts: 10, random: MID });
    const before = JSON.stringify(input);
    const d = decideRestart(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(d.state).not.toBe(state);
    expect(d.state.restartTimes).not.toBe(state.restartTimes);
    const giveUp = decideRestart({ ...input, maxRestarts: 1 });
    expect(giveUp.state.restartTimes).not.toBe(state.restartTimes);
    expect(JSON.stringify(input)).toBe(before);
  });

  it('gives the same answer for the same input', () => {
    const input: RestartInput = { state: { failStreak: 4, restartTimes: [NOW - 5] }, runStartedAt: NOW - 3000, runEndedAt: NOW, now: NOW, random: () => 0.3 };
    expect(decideRestart(input)).toEqual(decideRestart(input));
  });
});

describe('reason', () => {
  it.each<[RestartState, number, number, string]>([
    [{ failStreak: 3, restartTimes: [] }, 1234, 0.75, 'crashed after 1.2 s (4th fast failure in a row); restarting in 2.1 s'],
    [INITIAL_RESTART_STATE, 350, 0.5, 'crashed after 350 ms (1st fast failure in a row); restarting now'],
    [{ failStreak: 4, restartTimes: [] }, 15_000, 0.5, 'crashed after 15 s; restarting now'],
    [{ failStreak: 4, restartTimes: [] }, 125_000, 0.5, 'crashed after 2 min 5 s (stable run: failure streak reset); restarting now'],
    [INITIAL_RESTART_STATE, 5_400_000, 0.5, 'crashed after 1 h 30 min; restarting now'],
    [{ failStreak: 20, restartTimes: [] }, 10, 0.5, 'crashed after 10 ms (21st fast failure in a row); restarting in 1 min'],
  ])('%j after %d ms', (state, runMs, r, reason) => {
    expect(crash(state, runMs, { random: () => r }).reason).toBe(reason);
  });

  it.each<[number, string]>([
    [1, '1st'], [2, '2nd'], [3, '3rd'], [4, '4th'], [11, '11th'], [12, '12th'], [13, '13th'], [21, '21st'], [22, '22nd'],
    [23, '23rd'], [101, '101st'], [111, '111th'], [112, '112th'],
  ])('uses the ordinal %d -> %s', (streak, word) => {
    expect(crash({ failStreak: streak - 1, restartTimes: [] }, 10).reason).toContain(`(${word} fast failure in a row)`);
  });
});

describe('describeDelay', () => {
  it.each<[number, string]>([
    [0, '0 ms'], [1, '1 ms'], [350, '350 ms'], [999.4, '999 ms'], [999.6, '1 s'], [1000, '1 s'], [1234, '1.2 s'], [2140, '2.1 s'],
    [15_000, '15 s'], [59_940, '59.9 s'], [59_960, '1 min'], [60_000, '1 min'], [66_000, '1 min 6 s'], [125_000, '2 min 5 s'],
    [3_599_400, '59 min 59 s'], [3_599_600, '1 h'], [5_400_000, '1 h 30 min'], [90_000_000, '25 h'],
  ])('%d -> %s', (ms, text) => {
    expect(describeDelay(ms)).toBe(text);
  });

  it.each([-1, NaN, Infinity, '5' as unknown as number])('rejects %s', (ms) => {
    let err: unknown;
    try {
      describeDelay(ms);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe('ms');
  });
});

describe('validation', () => {
  const ok: RestartInput = { state: INITIAL_RESTART_STATE, runStartedAt: 0, runEndedAt: 1, now: 1 };

  it.each<[string, Partial<RestartInput>]>([
    ['state.failStreak', { state: { failStreak: -1, restartTimes: [] } }],
    ['state.failStreak', { state: { failStreak: 1.5, restartTimes: [] } }],
    ['state.failStreak', { state: null as unknown as RestartState }],
    ['state.restartTimes', { state: { failStreak: 0, restartTimes: 'x' as unknown as number[] } }],
    ['state.restartTimes', { state: { failStreak: 0, restartTimes: [1, NaN] } }],
    ['runStartedAt', { runStartedAt: '0' as unknown as number }],
    ['runEndedAt', { runEndedAt: Infinity }],
    ['now', { now: NaN }],
    ['maxRestarts', { maxRestarts: -1 }],
    ['maxRestarts', { maxRestarts: 1.5 }],
    ['maxRestarts', { maxRestarts: NaN }],
    ['maxRestarts', { maxRestarts: '3' as unknown as number }],
    ['random', { random: 0.5 as unknown as () => number }],
  ])('rejects a bad %s', (option, patch) => {
    let err: unknown;
    try {
      decideRestart({ ...ok, ...patch });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect((err as InvalidOptionError).option).toBe(option);
    expect((err as Error).message).toMatch(new RegExp(`^Expected \`${option.replace('.', '\\.')}\` to be .*, got .*\\.$`));
  });
});
