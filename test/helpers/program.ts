// Shared bits of the program tests: where their fixture steps live, how long a run may take, a step builder.
import { fileURLToPath } from 'node:url';
import type { AddTaskOptions } from '../../src/index.js';

/** Absolute path of `test/fixtures/program/` (the `wd` of the test programs). */
export const PROGRAM_FIXTURES = fileURLToPath(new URL('../fixtures/program/', import.meta.url));
/**
 * Deadline of a run in the program tests (a generous one: no timing is asserted), unscaled: write
 * `ex.waitRun(id, { timeout: T(RUN_TIMEOUT_MS) })`, but pass it as is to `waitUntil` (which scales it).
 */
export const RUN_TIMEOUT_MS = 20_000;

/** One step of `addTask`'s `steps`. */
export type Step = NonNullable<AddTaskOptions['steps']>[number];

/** A step named `name` running `script` (default `run-step.js`), with `extra` options. */
export function step(name: string, script = 'run-step.js', extra: Partial<Step> = {}): Step {
  return { name, script, ...extra };
}
