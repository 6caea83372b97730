import { describe, expect, it } from 'vitest';
import { assertTaskName } from '../../src/task/name.js';
import { ExecutorError, InvalidTaskNameError } from '../../src/errors.js';

describe('assertTaskName', () => {
  it.each(['LOL', 'a', 'job.1', 'A_b-c', 'x'.repeat(100)])('accepts %s', (name) => {
    expect(() => assertTaskName(name)).not.toThrow();
  });
  it.each(['', '.', '..', '../x', 'a/b', '-a', '_a', 'x'.repeat(101), 'a b', 'job_20260101-120000', 42, null])('rejects %s', (name) => {
    let err: unknown;
    try { assertTaskName(name); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(InvalidTaskNameError);
    expect(err).toBeInstanceOf(ExecutorError);
    expect((err as ExecutorError).code).toBe('ERR_INVALID_TASK_NAME');
    expect((err as Error).message).toMatch(/Expected `name`.*got/);
  });
});
