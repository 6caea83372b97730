// Shared by the schedule bench's sides: the stamping script, reading its stamps back as lateness, and the floor
// (a plain setTimeout loop spawning the same script with child_process.spawn at the same instants).
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, lines, percentile, trackGroup, untrackGroup, waitUntil } from './lib.js';

/** The run: appends "<task> <slot ISO> <epoch ns>" to $BENCH_SCHEDULE_LOG (`date +%s%N`, so the child's own clock). */
export const STAMP_SCRIPT = join(FIXTURES, 'stamp-start.sh');
/** Interpreter of the script, on both sides (`interpreter: 'sh'` for our tasks, `sh script` for the floor). */
export const STAMP_SHELL = 'sh';
/** Env var naming the stamp log. */
export const LOG_ENV = 'BENCH_SCHEDULE_LOG';
/** How long the floor's children may take to exit once the last one is spawned. */
export const RAW_EXIT_TIMEOUT_MS = 30_000;
const NS_PER_MS = 1_000_000n;
const FRACTION_NS = 1_000_000;
const POLL_MS = 20;

/** One slot of one task: the task's name and the slot's time (epoch ms). */
export interface Slot { task: string; at: number }

/** Lateness of one side: child's own start − slot, for every expected slot found in the stamp log. */
export interface Lateness {
  /** Lateness of each slot that ran (ms). */
  values: number[];
  /** Expected slots that never ran. */
  missed: number;
  /** Stamps of expected slots beyond the first (a slot run twice). */
  extra: number;
  p50: number;
  p99: number;
  max: number;
}

const keyOf = (task: string, at: number): string => `${task} ${at}`;

/** Epoch ms (fractional) of a `date +%s%N` stamp, without losing precision on the way. */
function nsToMs(ns: string): number {
  const n = BigInt(ns);
  return Number(n / NS_PER_MS) + Number(n % NS_PER_MS) / FRACTION_NS;
}

/** Matches a stamp log against the expected slots (stamps of other slots are ignored). */
export function latenessOf(log: string, expected: Slot[]): Lateness {
  const want = new Set(expected.map((s) => keyOf(s.task, s.at)));
  const seen = new Set<string>();
  const values: number[] = [];
  let extra = 0;
  for (const line of lines(log)) {
    const [task, slot, ns] = line.split(' ');
    if (!task || !slot || !ns) continue;
    const at = Date.parse(slot);
    const key = keyOf(task, at);
    if (!want.has(key)) continue;
    if (seen.has(key)) { extra++; continue; }
    seen.add(key);
    values.push(nsToMs(ns) - at);
  }
  return { values, missed: want.size - seen.size, extra, p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : NaN };
}

/** Stamps of expected slots seen so far in the log. */
export function stampsSeen(log: string, expected: Slot[]): number {
  const want = new Set(expected.map((s) => keyOf(s.task, s.at)));
  return new Set(lines(log).map((l) => l.split(' ', 2)).map(([t, s]) => keyOf(t ?? '', Date.parse(s ?? ''))).filter((k) => want.has(k))).size;
}

// One raw run: `sh stamp-start.sh`, detached, stdout/stderr to the task's own output file (opened per run, as ours is).
function spawnRaw(dir: string, slot: Slot, log: string, live: Set<number>): void {
  const out = openSync(join(dir, `${slot.task}.txt`), 'a');
  const env = { ...process.env, EXECUTOR_TASK: slot.task, EXECUTOR_TRIGGER: new Date(slot.at).toISOString(), [LOG_ENV]: log };
  try {
    const child = spawn(STAMP_SHELL, [STAMP_SCRIPT], { env, detached: true, stdio: ['ignore', out, out] });
    const pid = child.pid!;
    trackGroup(pid);
    live.add(pid);
    child.once('exit', () => { live.delete(pid); untrackGroup(pid); });
  } finally {
    closeSync(out);
  }
}

/**
 * The floor: one timer at a time, armed for the next instant; when it fires, every slot due by then is spawned, one
 * after another in that callback. Resolves once every child has exited.
 */
export async function rawSchedule(dir: string, slots: Slot[], log: string): Promise<void> {
  const todo = [...slots].sort((a, b) => a.at - b.at);
  const live = new Set<number>();
  await new Promise<void>((resolve) => {
    let next = 0;
    const fire = (): void => {
      const now = Date.now();
      while (next < todo.length && todo[next]!.at <= now) spawnRaw(dir, todo[next++]!, log, live);
      if (next < todo.length) setTimeout(fire, todo[next]!.at - Date.now());
      else resolve();
    };
    fire();
  });
  await waitUntil(() => live.size === 0, 'the floor runs to exit', RAW_EXIT_TIMEOUT_MS, POLL_MS);
}
