// Run ids sort by start time: `YYYYMMDD-HHmmss-SSS-xxxxxx` (UTC, then 6 random hex digits).
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';

dayjs.extend(utc);

// 3 random bytes = 6 hex digits after the millisecond stamp.
const RUN_ID_RANDOM_BYTES = 3;

/** Makes a new run id for a run starting at `now`. */
export function newRunId(now: number): string {
  return `${dayjs.utc(now).format('YYYYMMDD-HHmmss-SSS')}-${process.getBuiltinModule('node:crypto').randomBytes(RUN_ID_RANDOM_BYTES).toString('hex')}`;
}
