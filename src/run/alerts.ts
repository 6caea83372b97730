// Raising alerts: the `alert` event always, the channels (rate-limited per task) in the background.
import { join } from 'node:path';
import { mergeAlert } from '../alert/options.js';
import { sendAlert } from '../alert/send.js';
import type { AlertConfig, AlertKind } from '../alert/types.js';
import { readTail } from '../output/tail.js';
import type { Runtime } from '../runtime.js';
import type { RunRecord } from '../store/records.js';
import { HEADER_PAD_PREFIX } from '../output/header.js';

/** An alert decided under a task's lock, raised once its record is written. */
export interface PendingAlert {
  kind: AlertKind;
  name: string;
  runId: string | null;
  run: RunRecord | null;
  reason: string;
  /** The task's own alert setting (null = the Executor's, false = off). */
  taskAlert?: AlertConfig | false | null;
  /** The run's last output lines, read under the lock (before a restart can take the output file over). */
  tail?: string[];
}

/** Output lines an alert carries (the email body shows them). */
export const ALERT_TAIL_LINES = 50;
/** A held `flushAlerts` is released after this long even if the alert was never raised (its record write failed). */
export const ALERT_HOLD_MS = 10_000;

/** True when `alert` would reach a channel (so its tail is worth reading). */
export function wantsDelivery(rt: Runtime, alert: PendingAlert): boolean {
  const config = mergeAlert(rt.alert, alert.taskAlert ?? null);
  return config !== null && config.on.includes(alert.kind) && config.channels.length > 0;
}

// The header's padding line (4 KiB of spaces) says nothing: an alert's last lines leave it out.
const withoutPadding = (lines: string[]): string[] => lines.filter((line) => !line.startsWith(HEADER_PAD_PREFIX));

/** Reads the run's output tail into alerts that will be delivered (call under the task's lock). */
export async function withTail(rt: Runtime, alerts: PendingAlert[], outputFile: string): Promise<PendingAlert[]> {
  if (!alerts.some((a) => wantsDelivery(rt, a))) return alerts;
  const tail = withoutPadding(await readTail(join(rt.folder, outputFile), ALERT_TAIL_LINES).catch(() => [] as string[]));
  return alerts.map((a) => ({ ...a, tail }));
}

/** Makes `flushAlerts` wait for alerts decided but not yet raised (released by {@link raiseAlerts}). */
export function holdAlerts(rt: Runtime, alerts: PendingAlert[]): void {
  if (alerts.length === 0) return;
  let release!: () => void;
  const held = new Promise<void>((resolve) => { release = resolve; });
  const timer = setTimeout(() => release(), ALERT_HOLD_MS);
  timer.unref();
  rt.alertsInFlight.add(held);
  void held.finally(() => { clearTimeout(timer); rt.alertsInFlight.delete(held); });
  rt.heldAlerts.set(alerts, release);
}

/** Raises each alert whose kind the (merged) alert setting asks for. Never throws; channels never block the caller. */
export function raiseAlerts(rt: Runtime, alerts: PendingAlert[]): void {
  const release = rt.heldAlerts.get(alerts);
  rt.heldAlerts.delete(alerts);
  try {
    for (const alert of alerts) raiseOne(rt, alert);
  } finally {
    release?.();
  }
}

function raiseOne(rt: Runtime, alert: PendingAlert): void {
  const config = mergeAlert(rt.alert, alert.taskAlert ?? null);
  if (!config || !config.on.includes(alert.kind)) return;
  const now = rt.now();
  const { allowed, suppressed } = rt.alertLimiter.check(alert.name, now, config.minIntervalMs);
  const time = new Date(now).toISOString();
  rt.emitter.emit('alert', { kind: alert.kind, name: alert.name, runId: alert.runId, reason: alert.reason, time, run: alert.run, rateLimited: !allowed, suppressed });
  if (!allowed) {
    rt.log(`Alert ${alert.kind} for ${alert.name} rate-limited (${alert.reason})`);
    return;
  }
  rt.log(`Alert ${alert.kind} for ${alert.name}: ${alert.reason}${suppressed > 0 ? ` (${suppressed} suppressed before)` : ''}`);
  if (config.channels.length === 0) return;
  const payload = { kind: alert.kind, name: alert.name, runId: alert.runId, run: alert.run, reason: alert.reason, time, suppressed, executorId: rt.id, folder: rt.folder };
  const output = alert.run ? join(rt.folder, alert.run.outputFile) : null;
  const sending = sendAlert(payload, config.channels, {
    log: (message) => rt.log(message),
    tailLines: (n) => (alert.tail ? Promise.resolve(alert.tail.slice(-n)) : output ? readTail(output, n).then(withoutPadding) : Promise.resolve([])),
  }).then(() => undefined, () => undefined);
  rt.alertsInFlight.add(sending);
  void sending.finally(() => rt.alertsInFlight.delete(sending));
}
