// JSON payloads handed to runs: a task's `config`, a run's `data`, an event's payload.
import { InvalidPayloadError } from '../errors.js';

/** Largest accepted payload: 1 MB (1048576 bytes) of UTF-8 JSON. */
export const MAX_PAYLOAD_BYTES = 1_048_576;

/** What a payload must be, as error messages say it. */
export const PAYLOAD_EXPECTED = 'a value that can be serialised as JSON';
/** What a payload may hold, as error messages explain it. */
export const PLAIN_JSON_VALUES = 'only null, booleans, finite numbers, strings, and arrays and plain objects of them are accepted';

/** A checked payload: a clean clone of the value, and its JSON text. */
export interface CheckedPayload {
  /** `JSON.parse(json)`: a clone holding only JSON values. */
  value: unknown;
  /** The JSON text, at most {@link MAX_PAYLOAD_BYTES} bytes. */
  json: string;
}

/** Where a payload stops being plain JSON, and what is there. */
export interface PayloadProblem {
  /** Path of the bad value, e.g. `data.rows[2].when`. */
  path: string;
  /** What it is, e.g. `a Date` or `NaN`. */
  what: string;
}

// What `value` is when it is not a JSON value by itself (its children are walked separately), or null when it is one.
function badLeaf(value: unknown): string | null {
  switch (typeof value) {
    case 'string': case 'boolean': return null;
    case 'number': return Number.isFinite(value) ? null : String(value);
    case 'undefined': return 'undefined';
    case 'object': {
      if (value === null) return null;
      const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
      if (Array.isArray(value) ? proto === Array.prototype : proto === Object.prototype || proto === null) {
        return Object.getOwnPropertySymbols(value).length > 0 ? 'an object with symbol keys' : null;
      }
      const name = proto?.constructor?.name;
      return name ? `a ${name}` : 'not a plain object';
    }
    default: return `a ${typeof value}`;
  }
}

// One step of the walk: check a value, or leave an object whose children were all checked.
type Step = { value: unknown; path: string } | { leave: object };

/**
 * Where `value` stops being plain JSON, or null when it is: only `null`, booleans, finite numbers, strings, arrays
 * (no holes, no `undefined`) and plain objects (prototype `Object.prototype` or `null`, no symbol keys), without cycles.
 * An object property whose value is `undefined` counts as absent (as `JSON.stringify` drops it). Pure; never recurses.
 *
 * @example `findPayloadProblem({ rows: [1, NaN] }, 'data'); // { path: 'data.rows[1]', what: 'NaN' }`
 */
export function findPayloadProblem(value: unknown, option: string): PayloadProblem | null {
  const stack: Step[] = [{ value, path: option }];
  const open = new Set<object>(); // objects on the current path: one met again while open is a cycle
  const checked = new Set<object>(); // shared (not cyclic) objects are walked once
  while (stack.length > 0) {
    const step = stack.pop()!;
    if ('leave' in step) { open.delete(step.leave); continue; }
    const bad = badLeaf(step.value);
    if (bad !== null) return { path: step.path, what: bad };
    if (typeof step.value !== 'object' || step.value === null) continue;
    const obj = step.value;
    if (open.has(obj)) return { path: step.path, what: 'a cycle (a reference to an enclosing object)' };
    if (checked.has(obj)) continue;
    open.add(obj);
    checked.add(obj);
    stack.push({ leave: obj });
    if (Array.isArray(obj)) {
      for (let i = obj.length - 1; i >= 0; i -= 1) stack.push({ value: (obj as unknown[])[i], path: `${step.path}[${i}]` });
    } else {
      for (const [key, child] of Object.entries(obj)) if (child !== undefined) stack.push({ value: child, path: `${step.path}.${key}` });
    }
  }
  return null;
}

/** The error for a payload that is not plain JSON: names the option, shows the value, then says what is wrong where. */
function notPlainJson(option: string, value: unknown, problem: PayloadProblem): InvalidPayloadError {
  const error = new InvalidPayloadError(option, PAYLOAD_EXPECTED, value);
  error.message = `${error.message.slice(0, -1)}: \`${problem.path}\` is ${problem.what} (${PLAIN_JSON_VALUES}).`;
  return error;
}

/**
 * Checks that `value` is plain JSON (see {@link findPayloadProblem}) of at most {@link MAX_PAYLOAD_BYTES} bytes, and
 * clones it. `undefined` stands for no payload and gives `null`. Nothing is silently dropped or converted.
 *
 * @param value - The payload.
 * @param option - The option named in the error message, e.g. `'config'` or `'data'`.
 * @throws InvalidPayloadError for a function, symbol, BigInt, `NaN`, `±Infinity`, `Map`, `Set`, `Date`, class
 *   instance, boxed primitive, `undefined` or a hole in an array, a cycle, or JSON over the size limit.
 * @example
 * ```ts
 * checkPayload({ day: '2026-01-01', rows: [1, 2] }, 'data'); // { value: { day: '2026-01-01', rows: [1, 2] }, json: '{"day":"2026-01-01","rows":[1,2]}' }
 * checkPayload(undefined, 'data');                           // { value: null, json: 'null' }
 * checkPayload({ when: new Date() }, 'data');                // throws: … got { when: … }: `data.when` is a Date (only null, …).
 * ```
 */
export function checkPayload(value: unknown, option: string): CheckedPayload {
  if (value === undefined) return { value: null, json: 'null' };
  const problem = findPayloadProblem(value, option);
  if (problem) throw notPlainJson(option, value, problem);
  let json: string;
  try {
    json = JSON.stringify(value); // plain JSON by now: only a nesting too deep for the stack can still throw
  } catch {
    throw notPlainJson(option, value, { path: option, what: 'nested too deeply' });
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_PAYLOAD_BYTES) throw new InvalidPayloadError(option, `JSON of at most 1 MB (${MAX_PAYLOAD_BYTES} bytes)`, `${bytes} bytes`);
  return { value: JSON.parse(json) as unknown, json };
}
