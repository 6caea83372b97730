// The demo run by `npm run demo`: a crashing infinite-loop task and a periodic task, supervised for ~15 s.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Executor, type TaskRow } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const folder = join(tmpdir(), 'executor-sdk-demo');
// A status table about every 3 s for ~15 s, timed between the 5-second slots of `tick` (+5, +10, +15 s).
const TABLE_TIMES_MS = [2_000, 5_500, 8_000, 11_000, 14_000];

rmSync(folder, { recursive: true, force: true }); // start from an empty folder
const ex = new Executor(folder, { killTimeout: 2_000 });
console.log(`Executor ${ex.id} on ${ex.folder}\n`);

// Print what happens, as it happens.
const t0 = Date.now();
const at = (): string => `+${((Date.now() - t0) / 1000).toFixed(1).padStart(4)} s`;
ex.on('start', (e) => console.log(`${at()}  start     ${e.name} pid ${e.pid} (${e.trigger})`));
ex.on('exit', (e) => console.log(`${at()}  exit      ${e.name} code ${e.exitCode} signal ${e.signal} after ${(e.durationMs / 1000).toFixed(1)} s${e.stopped ? ' (stopped)' : ''}`));
ex.on('restart', (e) => console.log(`${at()}  restart   ${e.name} (restart #${e.restarts})`));
ex.on('backoff', (e) => console.log(`${at()}  backoff   ${e.name} waits ${e.delayMs} ms (fail streak ${e.failStreak})`));
ex.on('schedule', (e) => console.log(`${at()}  schedule  ${e.name} slot ${e.scheduledFor}`));
ex.on('skip', (e) => console.log(`${at()}  skip      ${e.name}: ${e.reason}`));
ex.on('warning', (e) => console.log(`${at()}  warning   ${e.message}`));
ex.on('error', (e) => console.log(`${at()}  error     ${e.message}`));

// 1. Register the tasks (scripts are resolved against `wd`).
await ex.addTask('crash', 'jobs/crash.js', { wd: here }); // infiniteLoop: true by default
await ex.addTask('tick', 'jobs/tick.js', { wd: here, infiniteLoop: false, period: '5 sec' });

// 2. Start them: `crash` runs now, `tick` is scheduled (first run at addTask time + 5 s).
console.table(await ex.startAll());
console.table(await ex.listRunningTasks({ nextRun: true }));

// 3. Supervise: restart `crash` with backoff, fire `tick` every 5 s.
const sup = ex.keepRestarting({ sleep: 60 });

const statusTable = (rows: TaskRow[]) =>
  rows.map(({ name, status, pid, restarts, lastExitCode, nextRun }) => ({ name, status, pid, restarts, lastExitCode, nextRun }));
for (const time of TABLE_TIMES_MS) {
  await sleep(Math.max(0, t0 + time - Date.now()));
  console.log(`\n${at()}  status:`);
  console.table(statusTable(await ex.listTasks()));
}

// 4. Outputs: each run's output was archived (renamed) when the next run started.
console.log('\nArchives of crash (newest first):');
console.table((await ex.listOutputs('crash')).map(({ archive, file, startedAt, size }) => ({ archive, file, startedAt, size })));
console.log('readOut("crash", 5) — the current run:');
console.log((await ex.readOut('crash', 5)).map((l) => `  ${l}`).join('\n'));
console.log('readOut("crash", 5, { run: 1 }) — the newest archive:');
console.log((await ex.readOut('crash', 5, { run: 1 })).map((l) => `  ${l}`).join('\n'));
console.log('readOut("tick", 3):');
console.log((await ex.readOut('tick', 3)).map((l) => `  ${l}`).join('\n'));

// 5. Stop supervising (tasks would keep running), then stop every task.
await sup.stop();
console.log('\nstopAll():');
console.table(await ex.stopAll());

console.log('\nLast 20 lines of the executor log:');
(await ex.readLog(20)).forEach((line) => console.log(`  ${line}`));
console.log(`\nDone. The folder is kept for you to look at: ${ex.folder}`);
// Nothing keeps Node alive any more: the process ends by itself.
