// followOut: a task's output lines as they are written, across restarts, without header and footer blocks.
import { resolve } from 'node:path';
import { InvalidOptionError, OutputNotFoundError } from '../errors.js';
import { currentErrorFileName, currentOutputFileName } from '../output/archive.js';
import { followFile, type FollowOptions } from '../output/follow.js';
import { runBlockFilter } from '../output/header.js';
import { followProgram, startPosition } from '../program/follow.js';
import type { RunRecord, TaskRecord } from '../store/records.js';
import { followsAcross, followTaskAcross, taskStartAcross, type TaskPosition } from '../cluster/remote-follow.js';
import type { Runtime } from '../runtime.js';
import { assertTaskName } from './name.js';

// A task's run ids, oldest first (run ids sort by creation time), from its ledger folder.
/** Options of `followOut`. */
export interface FollowOutOptions extends FollowOptions {
  /** Also yield the runs' header and footer lines. @defaultValue false */
  raw?: boolean;
  /** `'stderr'` follows the separate stderr file (`<name>.err.txt`, or a program's step `.err.txt` files). @defaultValue 'stdout' */
  stream?: 'stdout' | 'stderr';
}

// Cluster mode: where following across hosts begins (taken now), or null to follow this host's files.
function acrossStart(rt: Runtime | undefined, name: string, options: FollowOutOptions): Promise<TaskPosition | null> | null {
  if (rt === undefined || options.startAt !== undefined) return null; // startAt: a position in this host's file
  const start = followsAcross(rt, name).then((yes) => (yes ? taskStartAcross(rt, name, options.fromStart === true, options.stream ?? 'stdout') : null));
  start.catch(() => undefined); // surfaced by the first next()
  return start;
}

/**
 * Follows `<folder>/<name>.txt`. Errors (a bad name, an unknown task via `exists`) surface on the first `next()`.
 * `rt`: in cluster mode, a task whose runs are on other hosts is followed across hosts (cluster/remote-follow.ts).
 * @example `for await (const line of followTaskOutput(folder, 'job', {}, check)) seen.push(line);`
 */
export function followTaskOutput(
  folder: string, name: string, options: FollowOutOptions, exists: (name: string) => Promise<TaskRecord>, readRun: (name: string, runId: string) => Promise<RunRecord | null>,
  runIds: (name: string) => Promise<string[]>, rt?: Runtime,
): AsyncIterableIterator<string> {
  let inner: AsyncIterableIterator<string> | null = null;
  let invalid: unknown = null;
  const { raw, stream, ...followOptions } = options ?? {};
  const keep = raw === true ? () => true : runBlockFilter();
  try {
    assertTaskName(name);
    if (raw !== undefined && typeof raw !== 'boolean') throw new InvalidOptionError('raw', 'a boolean', raw);
    if (stream !== undefined && stream !== 'stdout' && stream !== 'stderr') throw new InvalidOptionError('stream', "'stdout' or 'stderr'", stream);
    inner = followFile(resolve(folder, stream === 'stderr' ? currentErrorFileName(name) : currentOutputFileName(name)), followOptions);
  } catch (error) {
    invalid = error;
  }
  const checked = invalid ? Promise.reject(invalid) : exists(name);
  const across = invalid ? null : acrossStart(rt, name, options ?? {});
  checked.catch(() => undefined); // surfaced by the first next()
  const source = { task: () => exists(name), runIds: () => runIds(name).catch(() => [] as string[]), run: (runId: string) => readRun(name, runId) };
  // A program's start is taken now, not at the first next(): lines printed in between are not missed.
  const programStart = checked.then((r) => (r.task.steps ? startPosition(folder, source, followOptions.fromStart === true, stream) : null));
  programStart.catch(() => undefined);
  let ok = false;
  let keepHere = keep;
  return {
    async next() {
      if (!ok) {
        let record: TaskRecord;
        try { record = await checked; } catch (error) { await inner?.return?.(); throw error; }
        ok = true;
        if (stream === 'stderr' && record.task.stderr !== 'separate') {
          await inner?.return?.();
          throw OutputNotFoundError.noSeparateStderr(name);
        }
        let start: TaskPosition | null;
        try { start = across === null ? null : await across; } catch (error) { await inner?.return?.(); throw error; }
        if (start !== null) {
          await inner?.return?.();
          inner = followTaskAcross(rt!, name, Promise.resolve(start), { pollMs: followOptions.pollMs, signal: followOptions.signal, raw, stream });
          keepHere = () => true; // its lines come filtered
        }
        if (record.task.steps && start === null) {
          // A program has no `<name>.txt`: follow its steps' files instead.
          await inner?.return?.();
          const start = (await programStart) ?? undefined;
          inner = followProgram(folder, source, { ...followOptions, ...(raw === undefined ? {} : { raw }), ...(stream === undefined ? {} : { stream }) }, start && Promise.resolve(start));
          return inner.next();
        }
      }
      for (;;) {
        const item = await inner!.next();
        if (item.done || keepHere(item.value)) return item;
      }
    },
    async return(value?: unknown) {
      return (await inner?.return?.(value)) ?? { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
