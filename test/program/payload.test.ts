import { describe, expect, it } from 'vitest';
import { ExecutorError, InvalidPayloadError } from '../../src/errors.js';
import { checkPayload, MAX_PAYLOAD_BYTES } from '../../src/program/payload.js';

function thrown(fn: () => unknown): ExecutorError {
  try { fn(); } catch (error) { return error as ExecutorError; }
  throw new Error('expected a throw');
}

describe('checkPayload', () => {
  it('gives null for undefined (no payload)', () => {
    expect(checkPayload(undefined, 'data')).toEqual({ value: null, json: 'null' });
  });

  it.each([null, 0, 'text', true, [1, 'a', null], { a: { b: [1, 2] } }])('keeps the JSON value %j', (value) => {
    const checked = checkPayload(value, 'data');
    expect(checked.value).toEqual(value);
    expect(checked.json).toBe(JSON.stringify(value));
  });

  it('returns a clean clone; an object property that is undefined counts as absent (issue 12)', () => {
    const input = { when: '1970-01-01T00:00:00.000Z', nested: { n: 1, gone: undefined }, list: [null] };
    const checked = checkPayload(input, 'data');
    expect(checked.value).toEqual({ when: '1970-01-01T00:00:00.000Z', nested: { n: 1 }, list: [null] });
    expect(checked.value).not.toBe(input);
    (checked.value as { nested: object }).nested = {};
    expect(input.nested.n).toBe(1);
  });

  const circular: Record<string, unknown> = {};
  circular.self = circular;
  it.each([
    ['a cycle', circular], ['a BigInt', { n: 10n }], ['a top-level BigInt', 5n], ['a function', () => 1], ['a symbol', Symbol('s')],
    ['a throwing toJSON', { toJSON() { throw new Error('no'); } }],
  ])('rejects %s', (_what, value) => {
    const error = thrown(() => checkPayload(value, 'config'));
    expect(error).toBeInstanceOf(InvalidPayloadError);
    expect(error.code).toBe('ERR_INVALID_PAYLOAD');
    expect((error as InvalidPayloadError).option).toBe('config');
    expect(error.message).toMatch(/^Expected `config` to be a value that can be serialised as JSON, got .+\.$/);
  });

  it('accepts exactly 1 MB of JSON and rejects one byte more, counting UTF-8 bytes', () => {
    const exact = 'x'.repeat(MAX_PAYLOAD_BYTES - 2); // the two quotes make it exactly MAX_PAYLOAD_BYTES
    expect(checkPayload(exact, 'data').json).toHaveLength(MAX_PAYLOAD_BYTES);
    const error = thrown(() => checkPayload(`${exact}x`, 'data'));
    expect(error).toBeInstanceOf(InvalidPayloadError);
    expect(error.code).toBe('ERR_INVALID_PAYLOAD');
    expect(error.message).toBe(`Expected \`data\` to be JSON of at most 1 MB (1048576 bytes), got "${MAX_PAYLOAD_BYTES + 1} bytes".`);
    // 'é' is 2 bytes in UTF-8: half as many characters already reach the limit.
    const wide = thrown(() => checkPayload('é'.repeat(MAX_PAYLOAD_BYTES / 2), 'payload'));
    expect(wide.message).toBe(`Expected \`payload\` to be JSON of at most 1 MB (1048576 bytes), got "${MAX_PAYLOAD_BYTES + 2} bytes".`);
  });
});
