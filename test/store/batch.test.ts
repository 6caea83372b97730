import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../src/store/batch.js';
import { waitUntil } from '../helpers/wait.js';

/** A promise with its resolve/reject exposed. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** A write function that records its batches and, when gated, waits for the test to let each one finish. */
function recorder(gated = false) {
  const batches: string[][] = [];
  const gates: Array<ReturnType<typeof deferred>> = [];
  let active = 0;
  let maxActive = 0;
  const write = async (items: string[]): Promise<void> => {
    batches.push(items);
    active++;
    maxActive = Math.max(maxActive, active);
    try {
      if (gated) {
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
      } else {
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      active--;
    }
  };
  return { write, batches, gates, maxActive: () => maxActive };
}

describe('BatchWriter', () => {
  it('coalesces pushes made in one turn into one write, and every push resolves with it', async () => {
    const rec = recorder();
    const writer = new BatchWriter(rec.write);
    const pushes = ['a', 'b', 'c', 'd'].map((x) => writer.push(x));
    await Promise.all(pushes);
    expect(rec.batches).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('serialises batches: pushes during a write form the next batch, which starts only after it', async () => {
    const rec = recorder(true);
    const writer = new BatchWriter(rec.write);
    let firstDone = false;
    const first = writer.push('a').then(() => { firstDone = true; });
    await waitUntil(() => rec.gates.length === 1, { what: 'the first write to start' });
    const second = [writer.push('b'), writer.push('c')];
    await new Promise((r) => setImmediate(r));
    expect(rec.batches).toEqual([['a']]); // b and c wait for a's write
    expect(firstDone).toBe(false);
    rec.gates[0]!.resolve();
    await first;
    await waitUntil(() => rec.gates.length === 2, { what: 'the second write to start' });
    expect(rec.batches).toEqual([['a'], ['b', 'c']]);
    rec.gates[1]!.resolve();
    await Promise.all(second);
    expect(rec.maxActive()).toBe(1);
  });

  it('flush waits for everything queued so far', async () => {
    const rec = recorder(true);
    const writer = new BatchWriter(rec.write);
    void writer.push('a');
    let flushed = false;
    const flushing = writer.flush().then(() => { flushed = true; });
    await waitUntil(() => rec.gates.length === 1, { what: 'the write to start' });
    await new Promise((r) => setImmediate(r));
    expect(flushed).toBe(false);
    rec.gates[0]!.resolve();
    await flushing;
    expect(flushed).toBe(true);
    await expect(new BatchWriter(rec.write).flush()).resolves.toBeUndefined(); // nothing queued: at once
  });

  it('rejects the pushes of a failed batch only, keeps writing later batches, and flush still resolves', async () => {
    const rec = recorder(true);
    const writer = new BatchWriter(rec.write);
    const failing = [writer.push('a'), writer.push('b')];
    await waitUntil(() => rec.gates.length === 1, { what: 'the first write to start' });
    const later = writer.push('c');
    rec.gates[0]!.reject(new Error('disk full'));
    for (const p of failing) await expect(p).rejects.toThrow('disk full');
    await waitUntil(() => rec.gates.length === 2, { what: 'the second write to start' });
    rec.gates[1]!.resolve();
    await expect(later).resolves.toBeUndefined();
    await expect(writer.flush()).resolves.toBeUndefined();
    expect(rec.batches).toEqual([['a', 'b'], ['c']]);
  });
});
