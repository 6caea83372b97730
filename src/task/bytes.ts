// Byte sizes given as a number or a string like '512 MB' / '4 KiB' (1024-based), via the `bytes` package.
import bytes from 'bytes';
import { InvalidOptionError } from '../errors.js';

// `bytes` knows kb/mb/gb…; accept the IEC spellings (KiB, MiB…) for the same 1024-based units.
const IEC_INFIX = /([kmgtp])ib\b/i;

/**
 * Parses a byte size: a non-negative integer, or a string such as `'4 KiB'`, `'1 MB'`, `'1.5GB'` (units are 1024-based).
 * @throws InvalidOptionError naming `option` for anything else, or for a size under `min`.
 * @example
 * ```ts
 * parseByteSize('1 MB', 'maxOutputBytes'); // 1048576
 * ```
 */
export function parseByteSize(value: unknown, option: string, min = 0): number {
  let n: number | null = null;
  if (typeof value === 'number') n = Number.isSafeInteger(value) ? value : null;
  else if (typeof value === 'string' && value.trim() !== '') n = bytes.parse(value.trim().replace(IEC_INFIX, '$1b'));
  if (n === null || !Number.isSafeInteger(n) || n < min) {
    throw new InvalidOptionError(option, `a byte size of at least ${min} bytes (an integer, or a string like '512 KiB' or '1 MB')`, value);
  }
  return n;
}
