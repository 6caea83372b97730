// followOut for a program: the lines its runs' steps print, step after step and run after run, as they are written.
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FOLLOW_POLL_MS, FOLLOW_READ_BYTES } from '../output/follow.js';
import { runBlockFilter } from '../output/header.js';
import type { TaskRecord } from '../store/records.js';

/** What a program follower needs. */
export interface ProgramFollowOptions {
  pollMs?: number;
  signal?: AbortSignal;
  raw?: boolean;
}

// The output file of the step the task's main run is on (or its newest extra run's), or null.
function currentStepFile(record: TaskRecord | null): string | null {
  const run = record?.state.run ?? record?.state.extraRuns.at(-1) ?? null;
  return run?.program ? run.outputFile : null;
}

// Reads `file` from `offset` to its end; resolves with the bytes read (none when it is missing).
async function readFrom(file: string, offset: number): Promise<Buffer> {
  const handle = await open(file, 'r').catch(() => null);
  if (!handle) return Buffer.alloc(0);
  try {
    const { size } = await handle.stat();
    const length = Math.min(Math.max(0, size - offset), FOLLOW_READ_BYTES);
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * New lines of a program's step outputs: the step being run now (from its end, when following starts), then each
 * next step's file from its start, across runs, until `signal` aborts or the iterator is returned.
 */
export async function* followProgram(folder: string, readRecord: () => Promise<TaskRecord | null>, options: ProgramFollowOptions = {}): AsyncGenerator<string> {
  const pollMs = options.pollMs ?? FOLLOW_POLL_MS;
  let file: string | null = null;
  let offset = 0;
  let partial = '';
  let keep = options.raw === true ? () => true : runBlockFilter();
  let first = true;
  while (!options.signal?.aborted) {
    const target = currentStepFile(await readRecord().catch(() => null));
    for (let chunk = file ? await readFrom(join(folder, file), offset) : Buffer.alloc(0); chunk.length > 0; chunk = await readFrom(join(folder, file!), offset)) {
      offset += chunk.length;
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (keep(line.replace(/\r$/, ''))) yield line.replace(/\r$/, '');
    }
    if (target !== null && target !== file) {
      if (partial !== '' && keep(partial)) yield partial;
      partial = '';
      offset = first ? await stat(join(folder, target)).then((info) => info.size, () => 0) : 0;
      file = target;
      keep = options.raw === true ? () => true : runBlockFilter();
    }
    first = false;
    await pause(pollMs, options.signal);
  }
}
