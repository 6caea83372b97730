import { describe, expect, it } from 'vitest';
import { assertEventType, EVENT_TYPE_PATTERN } from '../../src/event/type.js';
import { ExecutorError, InvalidEventTypeError, InvalidOptionError } from '../../src/errors.js';

function thrown(fn: () => unknown): unknown {
  try { fn(); } catch (error) { return error; }
  throw new Error('expected a throw');
}

describe('assertEventType', () => {
  it.each(['a', 'order.created', 'ns:thing_done-2', 'A.B:C_D-E', 'x'.repeat(100)])('accepts %j', (type) => {
    expect(() => assertEventType(type)).not.toThrow();
    expect(EVENT_TYPE_PATTERN.test(type)).toBe(true);
  });

  it.each([
    ['', '""'], ['x'.repeat(101), '"xxx'], ['a b', '"a b"'], ['a/b', '"a/b"'], ['é', '"é"'], ['a\n', '"a\\\\n"'],
    [42, '42'], [null, 'null'], [undefined, 'undefined'], [['a'], "\\[ 'a' \\]"],
  ])('rejects %j', (type, got) => {
    const error = thrown(() => assertEventType(type));
    expect(error).toBeInstanceOf(InvalidEventTypeError);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).code).toBe('ERR_INVALID_EVENT_TYPE');
    expect((error as InvalidEventTypeError).option).toBe('type');
    expect((error as Error).message).toMatch(new RegExp(`^Expected \`type\` to be an event type matching /\\^\\[A-Za-z0-9\\._:-\\]\\{1,100\\}\\$/, got ${got}`));
  });

  it('names the option it is given', () => {
    const error = thrown(() => assertEventType('no spaces', 'on[2]')) as InvalidEventTypeError;
    expect(error.option).toBe('on[2]');
    expect(error.message).toMatch(/^Expected `on\[2\]` to be an event type matching .*, got "no spaces"\.$/);
  });
});
