// Test deadlines scale with TEST_TIME_FACTOR (default 1; CI on a loaded machine may set 3), never the other way round.

/** The factor every test deadline is multiplied by: `TEST_TIME_FACTOR`, a number >= 1, else 1. */
export const TIME_FACTOR: number = (() => {
  const value = Number(process.env.TEST_TIME_FACTOR ?? '1');
  return Number.isFinite(value) && value >= 1 ? value : 1;
})();

/**
 * A deadline of `ms` milliseconds, scaled by {@link TIME_FACTOR}. Use it for every wait with a deadline.
 *
 * @example
 * ```ts
 * await ex.waitFor('web', 'running', { timeout: T(5_000) });
 * ```
 */
export function T(ms: number): number {
  return Math.round(ms * TIME_FACTOR);
}
