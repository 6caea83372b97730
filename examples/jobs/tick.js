// Demo task: prints the time and exits 0 (run every few seconds by a periodic task).
console.log(`[tick] ${new Date().toISOString()} (task ${process.env.EXECUTOR_TASK}, run ${process.env.EXECUTOR_RUN_ID})`);
