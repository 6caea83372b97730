// 4. readOut(name, 50) on a 1 GB output file, and on a 1 MB one to show the cost does not grow with the size.
// The 1 GB file is made sparse (truncate) with 200 real lines appended; readOut only reads its tail.
// Floor: a raw open + fstat + read of the last 64 KiB + close of the same file.
import { appendFileSync, closeSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES, fmtMs, median, newExecutor, tempFolder, type Figure } from './lib.js';

/** Calls per measurement (median reported), after WARM_UP calls. */
export const CALLS = 50;
export const WARM_UP = 5;
/** Lines asked for. */
export const N_TAIL = 50;
/** Goal for the 1 GB file. */
export const GOAL_MS = 5;
/** Bytes read by the floor. */
export const FLOOR_BYTES = 65_536;

const GB = 1024 ** 3;
const MB = 1024 ** 2;
const tailLines = (from: number, count: number) => Array.from({ length: count }, (_, i) => `line ${from + i} ${'.'.repeat(60)}\n`).join('');

async function timeCalls(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARM_UP; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function rawTail(file: string): Promise<void> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(FLOOR_BYTES, size);
    await handle.read(Buffer.alloc(length), 0, length, size - length);
  } finally {
    await handle.close();
  }
}

export async function benchReadOut(): Promise<{ figures: Figure[] }> {
  const folder = join(tempFolder('readout'), 'folder');
  const ex = newExecutor(folder);
  const script = join(FIXTURES, 'sleeper.mjs');
  await ex.addTask('big', script, { infiniteLoop: false });
  await ex.addTask('small', script, { infiniteLoop: false });
  const big = join(folder, 'big.txt');
  const small = join(folder, 'small.txt');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, GB);
  closeSync(fd);
  appendFileSync(big, tailLines(0, 200));
  const lineText = tailLines(0, 1);
  writeFileSync(small, tailLines(0, Math.floor(MB / lineText.length)));
  const check = await ex.readOut('big', N_TAIL);
  if (check.length !== N_TAIL || check.at(-1) !== `line 199 ${'.'.repeat(60)}`) throw new Error(`readOut returned ${check.length} lines, last ${check.at(-1)}`);
  const oursBig = await timeCalls(() => ex.readOut('big', N_TAIL));
  const oursSmall = await timeCalls(() => ex.readOut('small', N_TAIL));
  const floorBig = await timeCalls(() => rawTail(big));
  const floorSmall = await timeCalls(() => rawTail(small));
  return {
    figures: [
      {
        figure: `readOut(name, ${N_TAIL}) on a 1 GB output (median of ${CALLS})`,
        ours: fmtMs(oursBig), floor: `${fmtMs(floorBig)} (read last 64 KiB)`, ratio: `${(oursBig / floorBig).toFixed(2)}×`,
        goal: `< ${GOAL_MS} ms`, pass: oursBig < GOAL_MS,
      },
      {
        figure: `readOut(name, ${N_TAIL}) on a 1 MB output (median of ${CALLS})`,
        ours: fmtMs(oursSmall), floor: `${fmtMs(floorSmall)} (read last 64 KiB)`, ratio: `${(oursSmall / floorSmall).toFixed(2)}×`,
        goal: 'same as 1 GB', pass: null,
        note: `1 GB / 1 MB: ${(oursBig / oursSmall).toFixed(2)}× (constant in file size)`,
      },
    ],
  };
}
