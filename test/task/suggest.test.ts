// Issue 12 item 14: ERR_TASK_NOT_FOUND and ERR_RUN_NOT_FOUND name the closest existing names ("did you mean …?").
import { describe, expect, it } from 'vitest';
import { RunNotFoundError, TaskNotFoundError } from '../../src/index.js';
import { closestNames, editDistance } from '../../src/task/suggest.js';
import { FIXTURES, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

async function caught(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to reject');
}

describe('closestNames (pure)', () => {
  it('counts a swap of two adjacent characters as one edit', () => {
    expect(editDistance('web', 'wbe')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('suggests names within max(1, floor(length / 3)) edits, closest first, at most 3', () => {
    expect(closestNames('wbe', ['web', 'worker', 'db'])).toEqual(['web']);
    expect(closestNames('reprot', ['report', 'reports', 'import'])).toEqual(['report', 'reports']);
    expect(closestNames('job', ['job1', 'job2', 'jab', 'job3', 'jobs'])).toHaveLength(3);
    expect(closestNames('x', ['web', 'worker'])).toEqual([]);
    expect(closestNames('a', ['b'])).toEqual([]); // nothing in common is never close
  });

  it('counts a case-insensitive match and a prefix as close, and never suggests the name itself', () => {
    expect(closestNames('Web', ['web', 'webhook'])).toEqual(['web', 'webhook']);
    expect(closestNames('nightly', ['nightly-report-2026'])).toEqual(['nightly-report-2026']);
    expect(closestNames('web', ['web'])).toEqual([]);
    expect(closestNames('web', [], 3)).toEqual([]);
    expect(closestNames('web', ['web1', 'web2'], 1)).toEqual(['web1']);
  });
});

describe('not-found errors suggest names (real folder)', () => {
  it('ERR_TASK_NOT_FOUND lists the closest task names: runTask, waitFor, listRuns, runTasks', async () => {
    const { ex } = kit.make();
    await ex.addTask('web', 'once.js', { wd: FIXTURES, infiniteLoop: false });
    await ex.addTask('worker', 'once.js', { wd: FIXTURES, infiniteLoop: false });
    for (const call of [
      () => ex.runTask('wbe'),
      () => ex.waitFor('wbe', 'idle', { timeout: T(1_000) }),
      () => ex.listRuns({ task: 'wbe' }),
      () => ex.runTasks('wbe'),
    ]) {
      const error = await caught(call);
      expect(error).toBeInstanceOf(TaskNotFoundError);
      expect((error as TaskNotFoundError).code).toBe('ERR_TASK_NOT_FOUND');
      expect((error as TaskNotFoundError).suggestions).toEqual(['web']);
      expect((error as Error).message).toContain('(did you mean "web"?)');
    }
    const far = await caught(() => ex.runTask('zzzzzz'));
    expect((far as TaskNotFoundError).suggestions).toEqual([]);
    expect((far as Error).message).not.toContain('did you mean');
  });

  it('ERR_RUN_NOT_FOUND lists the closest run ids: getRun, waitRun, cancelRun, saveRun', async () => {
    const { ex } = kit.make();
    await ex.addTask('web', 'once.js', { wd: FIXTURES, infiniteLoop: false });
    const runId = await ex.runTask('web');
    await ex.waitRun(runId, { timeout: T(10_000) });
    const typo = `${runId.slice(0, -1)}${runId.endsWith('z') ? 'y' : 'z'}`; // one character off
    for (const call of [
      () => ex.getRun(typo),
      () => ex.waitRun(typo, { timeout: T(1_000) }),
      () => ex.cancelRun(typo),
      () => ex.saveRun(typo, { name: 'keep' }),
    ]) {
      const error = await caught(call);
      expect(error).toBeInstanceOf(RunNotFoundError);
      expect((error as RunNotFoundError).code).toBe('ERR_RUN_NOT_FOUND');
      expect((error as RunNotFoundError).suggestions).toEqual([runId]);
      expect((error as Error).message).toContain(`(did you mean "${runId}"?)`);
    }
    const far = await caught(() => ex.getRun('nothing-like-it'));
    expect((far as RunNotFoundError).suggestions).toEqual([]);
  });
});
