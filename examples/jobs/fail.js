// Demo task: prints a line, then fails (exit 1) — or exits 0 when FAIL=0 (a recovery).
const run = process.env.EXECUTOR_RUN_ID ?? 'no-run-id';

if (process.env.FAIL === '0') {
  console.log(`[fail] run ${run}: all good this time`);
} else {
  console.log(`[fail] run ${run}: connecting to the database...`);
  console.error('[fail] could not connect, exiting with code 1');
  process.exitCode = 1;
}
