// Scheduling demo: cron with a time zone and nextRuns, overlap/catchUp/jitter, a backfill run with runTask + waitRun,
// runner's run-jobs lines with runTasks under maxConcurrent, and timestamped, size-capped output (~12 s).
// Run it with: npm run build && npx tsx examples/scheduling.ts
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Executor } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
// How long the supervisor runs the 2-second cron task.
const SUPERVISE_MS = 10_000;
// Upper bound for any single wait, so the demo can never hang.
const WAIT_MS = 15_000;

const folder = mkdtempSync(join(tmpdir(), 'executor-sdk-scheduling-'));
// At most 2 runs live at once across the folder; more are queued (first come, first served).
const ex = new Executor(folder, { maxConcurrent: 2, killTimeout: 1_000 });
console.log(`Executor ${ex.id} on ${ex.folder}\n`);

const t0 = Date.now();
const at = (): string => `+${((Date.now() - t0) / 1000).toFixed(1).padStart(4)} s`;
ex.on('start', (e) => console.log(`${at()}  start     ${e.name} (${e.trigger}) run ${e.runId}`));
ex.on('exit', (e) => console.log(`${at()}  exit      ${e.name} run ${e.runId} code ${e.exitCode}${e.timedOut ? ' (timed out)' : ''}`));
ex.on('schedule', (e) => console.log(`${at()}  schedule  ${e.name} slot ${e.scheduledFor}`));
ex.on('skip', (e) => console.log(`${at()}  skip      ${e.name} slot ${e.scheduledFor}: ${e.reason}`));
ex.on('queue', (e) => console.log(`${at()}  queue     ${e.name} run ${e.runId} (${e.reason})`));
ex.on('timeout', (e) => console.log(`${at()}  timeout   ${e.name} after ${e.timeoutMs} ms`));
ex.on('warning', (e) => console.log(`${at()}  warning   ${e.message}`));

try {
  // 1. A nightly cron in Berlin time, previewed (nothing runs: it is never started here). On 29 March 2026 Berlin
  //    skips 02:00-03:00, so that night's 02:30 run happens at 03:30 CEST; see docs/scheduling.md. The jitter delays
  //    each night by a fixed amount (the same in every process), and nextRuns includes it.
  await ex.addTask('nightly', 'jobs/tick.js', { wd: here, cron: '30 2 * * *', timezone: 'Europe/Berlin', jitter: '10 min', catchUp: 'one' });
  console.log("nextRuns('nightly', 3), cron '30 2 * * *' in Europe/Berlin, jitter up to 10 min:");
  for (const iso of await ex.nextRuns('nightly', 3)) {
    console.log(`  ${iso}  = ${new Date(iso).toLocaleString('sv-SE', { timeZone: 'Europe/Berlin', timeZoneName: 'short' })}`);
  }
  console.log(`  (again: ${(await ex.nextRuns('nightly', 1))[0]}, the same: jitter is deterministic per slot)\n`);

  // 2. A 6-field cron (seconds first) every 2 s whose runs take 3.5 s: with overlap 'queue', a slot due while a run is
  //    live waits (one at most); a slot due while one already waits is skipped. catchUp 'none': slots missed while no
  //    supervisor ran are dropped. A run still going after 10 s would be stopped (timeout).
  await ex.addTask('beat', 'jobs/slow.js', {
    wd: here, cron: '*/2 * * * * *', timezone: 'UTC', overlap: 'queue', catchUp: 'none', env: { SLOW_MS: 3_500 }, timeout: '10 sec',
  });
  console.table(await ex.startAll()); // beat: 'scheduled'; nightly too (its slots are hours away)

  // 3. A backfill task: timestamps prefix every line with its ISO time, and its live output is rotated into an archive
  //    whenever it would pass 4 KiB. Both go through a small writer process.
  await ex.addTask('load', 'jobs/load.js', {
    wd: here, infiniteLoop: false, timezone: 'Europe/Berlin', timestamps: true, maxOutputBytes: '4 KiB', env: { LINES: 40 },
  });

  // 4. Supervise: fires 'beat' from a timer armed to each slot.
  const beatStarted = new Promise<void>((resolve) => ex.on('start', (e) => { if (e.name === 'beat') resolve(); }));
  const sup = ex.keepRestarting({ sleep: 60 });

  // 5. One backfill run "for" 1 January 2019, 08:00 Berlin time (runner's date syntax); the script sees it as
  //    EXECUTOR_TRIGGER. runTask resolves with the run id at once; waitRun resolves when the run has ended.
  const runId = await ex.runTask('load', { trigger: '2019-01-01/08:00:00' });
  const run = await ex.waitRun(runId, { timeout: WAIT_MS });
  console.log(`\nrunTask + waitRun: run ${run.runId} exit ${run.exitCode}, triggerTime ${run.triggerTime}, output ${run.outputFile}`);
  console.log("readOut('load', 2) (timestamped lines; the header and footer are left out):");
  (await ex.readOut('load', 2)).forEach((line) => console.log(`  ${line}`));
  console.log("readOut('load', 3, { raw: true }) (the footer the executor appended):");
  (await ex.readOut('load', 3, { raw: true })).forEach((line) => console.log(`  ${line}`));
  console.log("Archives of 'load' (the run's output passed 4 KiB, so its first part was rotated away):");
  console.table((await ex.listOutputs('load')).map(({ archive, file, size }) => ({ archive, file, size })));

  // 6. runner's run-jobs file: one `name trigger` line per run. concurrency 2 lets two lines run at once (a second
  //    run of 'load' next to a live one is an "extra run", with its own output file), but maxConcurrent (2) also
  //    counts the live 'beat' run, so here the lines are queued and run one at a time.
  await Promise.race([beatStarted, sleep(WAIT_MS, undefined, { ref: false })]); // an unref'd timer: it cannot hold Node at the end
  const lines = readFileSync(join(here, 'jobs', 'run-jobs.txt'), 'utf8');
  const records = await ex.runTasks(lines, { concurrency: 2 });
  console.log('\nrunTasks(run-jobs.txt, { concurrency: 2 }):');
  console.table(records.map((r) => ({ task: r.task, triggerTime: r.triggerTime, queuedAt: r.queuedAt, exitCode: r.exitCode })));

  // 7. Let the 2-second cron run for a while, then look at the table.
  await sleep(Math.max(0, t0 + SUPERVISE_MS - Date.now()));
  const table = (await ex.listTasks()).map(({ name, status, cron, enabled, nextRun, runs, queued, lastTrigger, lastExitCode }) =>
    ({ name, status, cron, enabled, nextRun, runs, queued, lastTrigger, lastExitCode }));
  console.log(`\n${at()}  listTasks():`);
  console.table(table);

  // 8. Disable the cron: no more slots fire (nextRuns is empty); the live run, if any, is left alone.
  await ex.disableTask('beat');
  console.log(`disableTask('beat'): nextRuns = ${JSON.stringify(await ex.nextRuns('beat'))}`);
  await sup.stop();

  console.log('\nSchedule lines of the executor log:');
  (await ex.readLog()).filter((l) => /Running scheduled|Queued|Skipping|Starting load/.test(l)).slice(-8).forEach((l) => console.log(`  ${l}`));
} finally {
  // 9. Clean up: stop every task (their trees too), remove the folder.
  await ex.stopAll();
  rmSync(folder, { recursive: true, force: true });
  console.log(`\nDone in ${((Date.now() - t0) / 1000).toFixed(1)} s; removed ${folder}`);
}
