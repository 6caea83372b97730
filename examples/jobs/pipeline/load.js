// Pipeline step 3: "loads" the converted rows: one file per day, replaced as a whole (so running it twice is harmless).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadState, saveState } from './checkpoint.js';

const run = JSON.parse(readFileSync(process.env.EXECUTOR_RUN_FILE, 'utf8'));
const rows = loadState(join(run.config.workDir, `${run.runId}.transform.json`));
const total = rows.reduce((sum, r) => sum + r.cents, 0);
saveState({ day: run.data.day, rows: rows.length, totalCents: total }, join(run.config.workDir, `warehouse-${run.data.day}.json`));
console.log(`[load] ${rows.length} rows for ${run.data.day}, total ${(total / 100).toFixed(2)}`);
