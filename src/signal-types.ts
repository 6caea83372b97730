// Public types that stand in for Node's and the DOM's own, so the package's `.d.ts` files compile in a project that
// has neither @types/node nor lib.dom (TypeScript's `types: []`, `lib: ["ES2022"]`).

/**
 * An `AbortSignal`, as the SDK's `signal` options take it: pass Node's (or the DOM's) `AbortSignal`, e.g.
 * `AbortSignal.timeout(5_000)` or an `AbortController`'s `signal`. Checked with `instanceof AbortSignal` at run time.
 * @example `for await (const line of ex.followOut('web', { signal: AbortSignal.timeout(10_000) })) lines.push(line);`
 */
export interface AbortSignalLike {
  /** True once aborted. */
  readonly aborted: boolean;
  /** Why it was aborted. */
  readonly reason: unknown;
  /** Adds a listener of the `abort` event. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** Removes a listener of the `abort` event. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * A POSIX signal name, such as `'SIGTERM'` or `'SIGKILL'` (Node's `NodeJS.Signals` values).
 * @example `const ended: SignalName = 'SIGTERM';`
 */
export type SignalName = `SIG${string}`;
