// JSON payloads handed to runs: a task's `config`, a run's `data`, an event's payload.
import { InvalidPayloadError } from '../errors.js';

/** Largest accepted payload: 1 MB (1048576 bytes) of UTF-8 JSON. */
export const MAX_PAYLOAD_BYTES = 1_048_576;

/** A checked payload: a clean clone of the value, and its JSON text. */
export interface CheckedPayload {
  /** `JSON.parse(json)`: a clone holding only JSON values. */
  value: unknown;
  /** The JSON text, at most {@link MAX_PAYLOAD_BYTES} bytes. */
  json: string;
}

/**
 * Checks that `value` can be stored as JSON of at most {@link MAX_PAYLOAD_BYTES} bytes, and clones it.
 * `undefined` stands for no payload and gives `null`. Values JSON drops or converts (nested functions, `NaN`,
 * `Date`s) are dropped or converted as `JSON.stringify` does.
 *
 * @param value - The payload.
 * @param option - The option named in the error message, e.g. `'config'` or `'data'`.
 * @throws InvalidPayloadError when `JSON.stringify` throws (a cycle, a BigInt) or gives nothing (a function or
 *   symbol), or when the JSON is over the size limit.
 * @example
 * ```ts
 * checkPayload({ when: new Date(0) }, 'data'); // { value: { when: '1970-01-01T00:00:00.000Z' }, json: '{"when":"1970-01-01T00:00:00.000Z"}' }
 * checkPayload(undefined, 'data');             // { value: null, json: 'null' }
 * ```
 */
export function checkPayload(value: unknown, option: string): CheckedPayload {
  if (value === undefined) return { value: null, json: 'null' };
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (json === undefined) throw new InvalidPayloadError(option, 'a value that can be serialised as JSON', value);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) throw new InvalidPayloadError(option, `JSON of at most 1 MB (${MAX_PAYLOAD_BYTES} bytes)`, `${bytes} bytes`);
  return { value: JSON.parse(json) as unknown, json };
}
