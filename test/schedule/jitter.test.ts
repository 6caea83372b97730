import { describe, expect, it } from 'vitest';
import { jitterOf } from '../../src/schedule/jitter.js';

const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 0, 1);

describe('jitterOf', () => {
  it('is 0 without jitter', () => {
    expect(jitterOf('a', BASE, 0)).toBe(0);
    expect(jitterOf('a', BASE, -5)).toBe(0);
    expect(jitterOf('a', BASE, 0.9)).toBe(0);
    expect(jitterOf('a', BASE, NaN)).toBe(0);
  });

  it('is deterministic per (name, slot)', () => {
    for (let k = 0; k < 50; k++) expect(jitterOf('backup', BASE + k * HOUR, 60_000)).toBe(jitterOf('backup', BASE + k * HOUR, 60_000));
  });

  it('is a whole number of ms in [0, maxMs]', () => {
    for (const max of [1, 7, 1000, 3_600_000]) {
      for (let k = 0; k < 500; k++) {
        const j = jitterOf('task', BASE + k * 1000, max);
        expect(Number.isInteger(j)).toBe(true);
        expect(j).toBeGreaterThanOrEqual(0);
        expect(j).toBeLessThanOrEqual(max);
      }
    }
  });

  it('spreads evenly and reaches both ends of a small range', () => {
    const seen = new Map<number, number>();
    for (let k = 0; k < 4000; k++) {
      const j = jitterOf('task', BASE + k * 1000, 3);
      seen.set(j, (seen.get(j) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const n of seen.values()) expect(n).toBeGreaterThan(850);
    let sum = 0;
    for (let k = 0; k < 10_000; k++) sum += jitterOf('other', BASE + k * HOUR, 1_000_000);
    expect(sum / 10_000).toBeGreaterThan(480_000);
    expect(sum / 10_000).toBeLessThan(520_000);
  });

  it('differs between tasks and between slots', () => {
    const a = Array.from({ length: 20 }, (_, k) => jitterOf('a', BASE + k * HOUR, HOUR));
    const b = Array.from({ length: 20 }, (_, k) => jitterOf('b', BASE + k * HOUR, HOUR));
    expect(a).not.toEqual(b);
    expect(new Set(a).size).toBeGreaterThan(15);
    // The separator keeps ('a1', slot) and ('a', '1' + slot) apart.
    expect(jitterOf('a1', 23, HOUR)).not.toBe(jitterOf('a', 123, HOUR));
  });

  it('truncates a fractional maximum', () => {
    for (let k = 0; k < 200; k++) expect(jitterOf('x', k, 2.9)).toBeLessThanOrEqual(2);
  });
});
