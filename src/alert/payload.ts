// What an alert says. Kept apart from types.ts, which store/records.ts imports (no import cycle).
import type { RunRecord } from '../store/records.js';
import type { AlertKind } from './types.js';

/** What an alert says; the JSON body of a webhook, and the payload of the `alert` event. */
export interface AlertPayload {
  kind: AlertKind;
  /** Task name. */
  name: string;
  runId: string | null;
  /** The run's ledger record, when there is one. */
  run: RunRecord | null;
  /** Human-readable cause, e.g. `'exited with code 1'`. */
  reason: string;
  /** When the alert was raised, ISO-8601. */
  time: string;
  /** Alerts of this task suppressed by the rate limit since the previous one sent. */
  suppressed: number;
  executorId: string;
  /** Absolute path of the Executor's folder. */
  folder: string;
}
