// Pipeline step 2: converts each row, checkpointing after every row. The first attempt gives up half-way with exit
// code 75 (EX_TEMPFAIL, "try again later"), as a rate-limited API would; the retry resumes from the checkpoint.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadState, saveState } from './checkpoint.js';

const run = JSON.parse(readFileSync(process.env.EXECUTOR_RUN_FILE, 'utf8'));
const attempt = Number(process.env.EXECUTOR_STEP_ATTEMPT);
const rows = loadState(join(run.config.workDir, `${run.runId}.extract.json`));
const state = loadState() ?? { next: 0, out: [] };
if (state.next > 0) console.log(`[transform] attempt ${attempt}: resuming at row ${state.next + 1} of ${rows.length} (checkpoint)`);
for (; state.next < rows.length; state.next++) {
  if (attempt === 0 && state.next === Math.floor(rows.length / 2)) {
    console.error(`[transform] rate limited by the currency API at row ${state.next + 1}; exit 75 to retry`);
    process.exit(75);
  }
  const row = rows[state.next];
  state.out.push({ ...row, cents: Math.round(row.amount * run.config.rate * 100) });
  saveState({ next: state.next + 1, out: state.out }); // progress survives a retry, a crash or a reboot
}
saveState(state.out, join(run.config.workDir, `${run.runId}.transform.json`));
console.log(`[transform] attempt ${attempt}: ${state.out.length} rows converted`);
