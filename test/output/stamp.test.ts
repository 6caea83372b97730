import { describe, expect, it } from 'vitest';
import { LineStamper } from '../../src/output/stamp.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0, 123);
const S0 = '2026-11-24T10:00:00.123Z ';
const S1 = '2026-11-24T10:00:01.123Z ';

/** A stamper whose clock returns the queued times in turn (the last one repeats). */
function stamperAt(...times: number[]): LineStamper {
  let i = 0;
  return new LineStamper(() => times[Math.min(i++, times.length - 1)] as number);
}

const push = (s: LineStamper, text: string): string => s.push(Buffer.from(text)).toString();

describe('LineStamper', () => {
  it('stamps every line of a chunk with the time the chunk arrived', () => {
    const s = stamperAt(T0);
    expect(push(s, 'a\nbb\n\nccc\n')).toBe(`${S0}a\n${S0}bb\n${S0}\n${S0}ccc\n`);
    expect(s.flush().length).toBe(0);
  });

  it('stamps a line split across chunks once, with the time its first byte arrived', () => {
    const s = stamperAt(T0, T0 + 1000, T0 + 2000);
    expect(push(s, 'hel')).toBe(`${S0}hel`);
    expect(s.midLine).toBe(true);
    expect(push(s, 'lo\nwor')).toBe(`lo\n${S1}wor`);
    expect(push(s, 'ld\n')).toBe('ld\n');
    expect(s.midLine).toBe(false);
  });

  it('stamps the next line when a chunk ends exactly at a newline', () => {
    const s = stamperAt(T0, T0 + 1000);
    expect(push(s, 'a\n')).toBe(`${S0}a\n`);
    expect(push(s, 'b\n')).toBe(`${S1}b\n`);
  });

  it('handles many lines per chunk (a newline at every byte, and long runs)', () => {
    const s = stamperAt(T0);
    const out = push(s, '\n'.repeat(1000) + 'x'.repeat(100_000) + '\n');
    const lines = out.split('\n');
    expect(lines.length).toBe(1002);
    expect(lines.slice(0, 1000).every((l) => l === S0)).toBe(true);
    expect(lines[1000]).toBe(S0 + 'x'.repeat(100_000));
    expect(lines[1001]).toBe('');
  });

  it('emits a partial last line at once; flush() ends it with a newline, once', () => {
    const s = stamperAt(T0);
    expect(push(s, 'a\npart')).toBe(`${S0}a\n${S0}part`);
    expect(s.flush().toString()).toBe('\n');
    expect(s.flush().length).toBe(0);
    expect(push(s, 'next\n')).toBe(`${S0}next\n`);
  });

  it('flushes nothing when nothing was pushed', () => {
    expect(new LineStamper().flush().length).toBe(0);
  });

  it('stamps per \\n, keeping \\r\\n endings and a lone \\r inside the line', () => {
    const s = stamperAt(T0);
    expect(push(s, 'a\r\nb\rc\r')).toBe(`${S0}a\r\n${S0}b\rc\r`);
    expect(push(s, '\n')).toBe('\n');
    expect(push(s, 'd\r\n')).toBe(`${S0}d\r\n`);
  });

  it('ignores empty chunks (no stamp, no state change)', () => {
    let calls = 0;
    const s = new LineStamper(() => (calls++, T0));
    expect(s.push(Buffer.alloc(0)).length).toBe(0);
    expect(calls).toBe(0);
    expect(push(s, 'ab')).toBe(`${S0}ab`);
    expect(s.push(Buffer.alloc(0)).length).toBe(0);
    expect(push(s, 'c\n')).toBe('c\n');
  });

  it('passes bytes through untouched (binary, multi-byte UTF-8 split across chunks)', () => {
    const s = stamperAt(T0);
    const euro = Buffer.from('€\n'); // 3 bytes + newline
    const out = Buffer.concat([s.push(euro.subarray(0, 1)), s.push(euro.subarray(1))]);
    expect(out.toString()).toBe(`${S0}€\n`);
    const bin = Buffer.from([0, 255, 10, 13, 0]);
    expect(s.push(bin)).toEqual(Buffer.concat([Buffer.from(S0), bin.subarray(0, 3), Buffer.from(S0), bin.subarray(3)]));
  });

  it('defaults to the real clock', () => {
    const before = Date.now();
    const line = push(new LineStamper(), 'x\n');
    const stamp = Date.parse(line.slice(0, 24));
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(line.slice(24)).toBe(' x\n');
  });
});
