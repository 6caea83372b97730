// Pipeline step 1: "extracts" the day's rows (data.day, data.rows) into <config.workDir>/<runId>.extract.json.
// Idempotent: running it again writes the same file again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveState } from './checkpoint.js';

const run = JSON.parse(readFileSync(process.env.EXECUTOR_RUN_FILE, 'utf8'));
const { day, rows } = run.data;
const items = Array.from({ length: rows }, (_, i) => ({ id: i + 1, day, amount: Number((10 + i * 2.5).toFixed(2)) }));
saveState(items, join(run.config.workDir, `${run.runId}.extract.json`)); // same atomic write as a checkpoint
console.log(`[extract] ${rows} rows for ${day} (trigger ${run.trigger})`);
