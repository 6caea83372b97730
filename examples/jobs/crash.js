// Demo task: prints a few lines, then crashes (exit 1) after about a second.
const run = process.env.EXECUTOR_RUN_ID ?? 'no-run-id';
const LINES = 3;
const EVERY_MS = 300;

function step(n) {
  console.log(`[crash] run ${run}: line ${n}`);
  if (n < LINES) {
    setTimeout(() => step(n + 1), EVERY_MS);
    return;
  }
  console.error('[crash] something went wrong, exiting with code 1');
  process.exit(1);
}

setTimeout(() => step(1), EVERY_MS);
