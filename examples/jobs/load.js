// Demo backfill task: "loads" the data of the date in EXECUTOR_TRIGGER, printing LINES lines (default 40), then exits 0.
const day = process.env.EXECUTOR_TRIGGER ?? new Date().toISOString();
const lines = Number(process.env.LINES ?? 40);
for (let i = 1; i <= lines; i++) console.log(`[load] ${day}: row batch ${i} of ${lines} loaded ${'.'.repeat(60)}`);
console.error(`[load] ${day}: 0 rows rejected`);
