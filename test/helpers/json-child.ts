// Test helper: a Node child process that prints one JSON object per line, read back as it arrives.
import { spawn, type ChildProcess } from 'node:child_process';
import { waitUntil } from './wait.js';

/** A running child and what it printed. `E` is what `exited` resolves with. */
export interface JsonLinesChild<E> {
  child: ChildProcess;
  /** Parsed JSON lines printed so far. */
  lines: Record<string, unknown>[];
  /** stderr so far. */
  stderr(): string;
  /** Resolves when the child has closed, with `mapExit(code, signal)`. */
  exited: Promise<E>;
  /**
   * Resolves with the first printed line that satisfies `match`; throws after `timeoutMs` (scaled by TEST_TIME_FACTOR in
   * `waitUntil`: pass it unscaled), or as soon as the child has exited without printing one.
   */
  line(match: (l: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Options of {@link spawnJsonLines}. */
export interface JsonLinesOptions<E> {
  /** `'pipe'` to write to the child's stdin. */
  stdin: 'pipe' | 'ignore';
  /** Names the child in timeout messages. */
  what: string;
  mapExit: (code: number | null, signal: NodeJS.Signals | null) => E;
  /** Node options before the script, e.g. `['--import', 'tsx']` to run a fixture that imports `src/`. */
  execArgv?: string[];
}

/** Runs `node script ...args` and collects its JSON lines. */
export function spawnJsonLines<E>(script: string, args: string[], opts: JsonLinesOptions<E>): JsonLinesChild<E> {
  const child = spawn(process.execPath, [...(opts.execArgv ?? []), script, ...args], { stdio: [opts.stdin, 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let err = '';
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const part of parts) if (part.trim()) lines.push(JSON.parse(part) as Record<string, unknown>);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
  child.stdin?.on('error', () => undefined); // the child may be gone when a test writes to it
  let closed: string | null = null;
  const exited = new Promise<E>((resolve) => child.on('close', (code, signal) => {
    closed = `exit code ${code}, signal ${signal}`;
    resolve(opts.mapExit(code, signal));
  }));
  // A child that ended without the line fails the wait at once (not after the deadline), saying how it ended.
  const lineOrEnd = (match: (l: Record<string, unknown>) => boolean): Record<string, unknown> | undefined => {
    const found = lines.find(match);
    if (found === undefined && closed !== null) {
      throw new Error(`the ${opts.what} ended (${closed}) without the line (last: ${JSON.stringify(lines.at(-1))}; stderr: ${err})`);
    }
    return found;
  };
  return {
    child, lines, exited, stderr: () => err,
    line: (match, timeoutMs = 15_000) => waitUntil(() => lineOrEnd(match), { timeoutMs, what: `a ${opts.what} line (stderr: ${err})` }),
  };
}
