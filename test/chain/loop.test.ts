// The chain-loop rule of `after` (deps/graph.ts, pure): a loop made only of on: 'success' / 'end' links is found; a
// loop through on: 'failure' is allowed; unrelated links are not loops.
import { describe, expect, it } from 'vitest';
import { findChainLoop } from '../../src/deps/graph.js';
import type { ChainLink, TaskSpec } from '../../src/store/records.js';

function spec(name: string, after: ChainLink[] = []): TaskSpec {
  return { name, after } as unknown as TaskSpec;
}

function table(...specs: TaskSpec[]): Map<string, TaskSpec> {
  return new Map(specs.map((s) => [s.name, s]));
}

describe('findChainLoop', () => {
  it('finds a self-loop on success or end, not on failure', () => {
    expect(findChainLoop(table(), spec('a', [{ task: 'a', on: 'success' }]))).toEqual(['a', 'a']);
    expect(findChainLoop(table(), spec('a', [{ task: 'a', on: 'end' }]))).toEqual(['a', 'a']);
    expect(findChainLoop(table(), spec('a', [{ task: 'a', on: 'failure' }]))).toBeNull();
  });

  it('finds a loop through other tasks made only of success/end links', () => {
    const others = table(spec('b', [{ task: 'a', on: 'success' }]), spec('c', [{ task: 'b', on: 'end' }]));
    expect(findChainLoop(others, spec('a', [{ task: 'c', on: 'success' }]))).toEqual(['a', 'c', 'b', 'a']);
    expect(findChainLoop(others, spec('a', [{ task: 'c', on: 'failure' }]))).toBeNull();
    const guarded = table(spec('b', [{ task: 'a', on: 'failure' }]), spec('c', [{ task: 'b', on: 'end' }]));
    expect(findChainLoop(guarded, spec('a', [{ task: 'c', on: 'success' }]))).toBeNull();
  });

  it('is not fooled by chains that do not come back, nor by the old record of the same name', () => {
    const others = table(spec('b', [{ task: 'x', on: 'success' }]), spec('a', [{ task: 'b', on: 'success' }]));
    expect(findChainLoop(others, spec('a', [{ task: 'b', on: 'success' }]))).toBeNull();
    expect(findChainLoop(table(spec('b', [{ task: 'a', on: 'success' }])), spec('a', [{ task: 'b', on: 'success' }]))).toEqual(['a', 'b', 'a']);
  });
});
