// Checkpoint helper for program steps: the step's progress in EXECUTOR_STATE_FILE, written atomically
// (temp file, fsync, rename), so a step killed at any moment leaves the old checkpoint or the new one, never half.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

export function saveState(state, file = process.env.EXECUTOR_STATE_FILE) {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try { writeSync(fd, JSON.stringify(state)); fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, file);
}

export function loadState(file = process.env.EXECUTOR_STATE_FILE) {
  try { return JSON.parse(readFileSync(file, 'utf8')); } catch (e) { if (e.code === 'ENOENT') return null; throw e; }
}
