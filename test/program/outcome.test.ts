import { describe, expect, it } from 'vitest';
import { decideStep, MAX_RETRY_DELAY_MS, retryDelayMs, type StepExitFacts } from '../../src/program/outcome.js';

const base: StepExitFacts = {
  exitCode: 0, signal: null, exitUnknown: false, timedOut: false, cancelled: false, retriesUsed: 0, retries: 3, retryExitCodes: [75], skipExitCodes: [3],
};
const facts = (over: Partial<StepExitFacts>): StepExitFacts => ({ ...base, ...over });

describe('decideStep', () => {
  it.each<[string, Partial<StepExitFacts>, string]>([
    ['exit 0', {}, 'completed'],
    ['a skip code', { exitCode: 3 }, 'skipped'],
    ['a retry code with retries left', { exitCode: 75, retriesUsed: 2 }, 'retry'],
    ['a retry code with no retries left', { exitCode: 75, retriesUsed: 3 }, 'failed'],
    ['a retry code with retries: 0', { exitCode: 75, retries: 0 }, 'failed'],
    ['another exit code', { exitCode: 1 }, 'failed'],
    ['a signal', { exitCode: null, signal: 'SIGKILL' }, 'failed'],
    ['no exit code nor signal', { exitCode: null }, 'failed'],
    ['a timeout with retries left', { exitCode: null, signal: 'SIGTERM', timedOut: true }, 'retry'],
    ['a timeout with no retries left', { exitCode: null, signal: 'SIGTERM', timedOut: true, retriesUsed: 3 }, 'failed'],
    ['a step that exited 0 as its timeout kill was marked', { timedOut: true }, 'completed'],
    ['an unknown exit', { exitCode: null, exitUnknown: true }, 'resume'],
    ['an unknown exit with no retries left (a resume is not a retry)', { exitCode: null, exitUnknown: true, retriesUsed: 3 }, 'resume'],
    ['a cancel', { exitCode: null, signal: 'SIGTERM', cancelled: true }, 'cancelled'],
    ['a cancel before a timeout', { cancelled: true, timedOut: true }, 'cancelled'],
    ['a cancel of a step that exited 0', { cancelled: true }, 'cancelled'],
    ['a timeout before an unknown exit', { exitCode: null, timedOut: true, exitUnknown: true }, 'retry'],
    ['a code in both lists: skip wins', { exitCode: 3, retryExitCodes: [3] }, 'skipped'],
  ])('%s', (_what, over, verdict) => {
    expect(decideStep(facts(over))).toBe(verdict);
  });
});

describe('retryDelayMs', () => {
  it.each([[1000, 1, 1000], [1000, 2, 2000], [1000, 3, 4000], [1500, 4, 12_000], [1000, 9, 256_000], [1000, 10, MAX_RETRY_DELAY_MS],
    [1000, 1e6, MAX_RETRY_DELAY_MS], [0, 1, 0], [0, 1e6, 0], [400_000, 1, MAX_RETRY_DELAY_MS], [1000, 0, 1000], [1000, Number.NaN, 1000]])(
    'base %d, retry %d -> %d', (base, n, ms) => {
      expect(retryDelayMs(base, n)).toBe(ms);
    });

  it('caps at 5 minutes', () => {
    expect(MAX_RETRY_DELAY_MS).toBe(300_000);
  });
});
