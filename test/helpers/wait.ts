import { readIdentity } from '../../src/process/identity.js';
import { T as scaled } from './time.js';

// Test helper: poll a condition until it holds, with a deadline (never a bare sleep).

/** The truthy part of T. */
export type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Polls `check` every `intervalMs` until it returns a truthy value, or throws after `timeoutMs` (scaled by TEST_TIME_FACTOR). */
export async function waitUntil<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {}): Promise<Truthy<T>> {
  timeoutMs = scaled(timeoutMs);
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True when a pid exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  return readIdentity(pid) !== null;
}
