// Demo task: prints when it starts (with its slot), works for SLOW_MS (default 3 s), then exits 0.
const ms = Number(process.env.SLOW_MS ?? 3000);
console.log(`[slow] ${process.env.EXECUTOR_TRIGGER_KIND} run ${process.env.EXECUTOR_RUN_ID} for ${process.env.EXECUTOR_TRIGGER}`);
setTimeout(() => console.log('[slow] done'), ms);
