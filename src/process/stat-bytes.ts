// The two fields a liveness check needs (state, start time), parsed from the raw bytes of /proc/<pid>/stat without
// decoding them to a string or splitting them into fields: a supervisor looks at every foreign run on every pass.
import { STAT_FIELD_START_TIME, STAT_FIRST_FIELD_AFTER_COMM } from './identity.js';

const CLOSE_PAREN = 0x29;
const SPACE = 0x20;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** Byte of the zombie state `Z`. */
const STATE_ZOMBIE = 0x5a;
/** Byte of the dead state `X`. */
const STATE_DEAD = 0x58;

/** What {@link statBytes} found: `dead` (zombie or dead) and the start time in clock ticks; null when malformed or cut short. */
export interface StatBytes {
  /** True for the states `Z` and `X`. */
  dead: boolean;
  /** Field 22 of the stat line: clock ticks since boot. */
  startTime: number;
}

/**
 * Parses the first `length` bytes of a `/proc/<pid>/stat` line: fields are counted after the LAST `)` (the comm field
 * may hold spaces and parentheses), as `parseProcStat` does. Null when the line is malformed or ends before field 22.
 *
 * @example
 * ```ts
 * statBytes(Buffer.from('42 (sh) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0'), 68); // { dead: false, startTime: 12345 }
 * ```
 */
export function statBytes(bytes: Uint8Array, length: number): StatBytes | null {
  const close = bytes.lastIndexOf(CLOSE_PAREN, length - 1);
  const stateAt = close + 2;
  if (close < 0 || stateAt >= length || bytes[close + 1] !== SPACE) return null;
  const state = bytes[stateAt]!;
  // Skip to the first byte of field 22: one space before each field after the state.
  let at = stateAt;
  for (let field = STAT_FIRST_FIELD_AFTER_COMM; field < STAT_FIELD_START_TIME; field++) {
    at = bytes.indexOf(SPACE, at);
    if (at < 0 || at >= length) return null;
    at++;
  }
  let startTime = 0;
  let digits = 0;
  for (; at < length && bytes[at]! >= DIGIT_0 && bytes[at]! <= DIGIT_9; at++, digits++) startTime = startTime * 10 + (bytes[at]! - DIGIT_0);
  // The field must end inside what was read (a space or the line's end), else it may have been cut short.
  if (digits === 0 || at >= length || (bytes[at] !== SPACE && bytes[at] !== 0x0a) || !Number.isSafeInteger(startTime)) return null;
  return { dead: state === STATE_ZOMBIE || state === STATE_DEAD, startTime };
}
