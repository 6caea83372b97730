// Helpers of the dependency tests: free TCP ports, the fixtures, and the start/stop log the fixtures append to.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
export { freePort } from '../helpers/ports.js';

/** Absolute path of a fixture in `test/fixtures/deps/`. */
export const depsFixture = (name: string): string => fileURLToPath(new URL(`../fixtures/deps/${name}`, import.meta.url));

/** One line of the fixtures' log: what happened (`start`, `listen`, `stop`, `crash`), to which task, when, which pid. */
export interface LogEntry { what: string; task: string; at: number; pid: number }

/** The entries of a fixtures' log file (none if it does not exist yet). */
export function readEntries(file: string): LogEntry[] {
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((line) => {
    const [what, task, at, pid] = line.split(' ');
    return { what: what!, task: task!, at: Number(at), pid: Number(pid) };
  });
}

/** The first entry of `what` for `task`; throws if there is none. */
export function entry(entries: readonly LogEntry[], what: string, task: string): LogEntry {
  const found = entries.find((e) => e.what === what && e.task === task);
  if (!found) throw new Error(`no "${what}" entry for ${task} in ${JSON.stringify(entries)}`);
  return found;
}
