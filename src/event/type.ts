// The grammar of event types (`emitEvent(type)`, a task's `on` list).
import { InvalidEventTypeError } from '../errors.js';

/** Allowed event types: 1 to 100 letters, digits, `.`, `_`, `:` or `-`. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;

/**
 * Throws `InvalidEventTypeError` unless `value` is a valid event type.
 *
 * @param value - The event type to check.
 * @param option - The option named in the error message.
 * @defaultValue option `'type'`
 * @example
 * ```ts
 * assertEventType('order.created');            // ok
 * assertEventType('order created', 'on[0]');   // throws InvalidEventTypeError: Expected `on[0]` to be an event type matching …
 * ```
 */
export function assertEventType(value: unknown, option = 'type'): asserts value is string {
  if (typeof value !== 'string' || !EVENT_TYPE_PATTERN.test(value)) throw new InvalidEventTypeError(value, option);
}
