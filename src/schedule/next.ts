// Slot arithmetic for periodic tasks: slot k is `anchor + k·period`, in exact ms for fixed units
// and in wall-clock calendar steps (time-zone aware) for day, week and month.
import { InvalidOptionError } from '../errors.js';
import { isCalendarUnit, periodToMs, type Period } from './period.js';
import { DAY_MS, MAX_EPOCH_MS, clampEpoch, epochToWall, wallFromFields, wallToEpoch } from './start.js';

/** A periodic schedule. */
export interface Schedule {
  /** How far apart the slots are. */
  period: Period;
  /** Epoch ms of slot 0. Its wall-clock time in `timezone` is kept by calendar periods. */
  anchor: number;
  /** IANA zone for calendar periods; null means the system local zone. Ignored by fixed units. */
  timezone: string | null;
}

/** Days in one week. */
export const DAYS_PER_WEEK = 7;
/** Months in one year. */
export const MONTHS_PER_YEAR = 12;

type SlotFn = (k: number) => number;

function assertEpoch(value: number, option: string): void {
  if (typeof value !== 'number' || !(Math.abs(value) <= MAX_EPOCH_MS)) {
    throw new InvalidOptionError(option, 'an epoch in ms within the Date range', value);
  }
}

function assertCount(value: number, option: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidOptionError(option, 'a non-negative integer', value);
}

// Slot times past the Date range (after year 275 760) are reported as Infinity.
function clampToRange(t: number): number {
  return Number.isNaN(t) || t > MAX_EPOCH_MS ? Infinity : t;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(wallFromFields(year, monthIndex + 1, 0)).getUTCDate();
}

// Builds slot k (k >= 1) of a calendar schedule from the anchor's wall-clock fields, computed once.
function calendarSlotFn(s: Schedule): SlotFn {
  const wall = epochToWall(s.anchor, s.timezone);
  const a = new Date(wall);
  const { amount, unit } = s.period;
  return (k) => {
    let target: number;
    if (unit === 'month') {
      const monthIndex = a.getUTCMonth() + k * amount;
      const year = a.getUTCFullYear() + Math.floor(monthIndex / MONTHS_PER_YEAR);
      const month = monthIndex % MONTHS_PER_YEAR;
      // Clamp from the anchor's day each time: Jan 31 -> Feb 28 -> Mar 31.
      const day = Math.min(a.getUTCDate(), daysInMonth(year, month));
      target = wallFromFields(year, month, day, a.getUTCHours(), a.getUTCMinutes(), a.getUTCSeconds(), a.getUTCMilliseconds());
    } else {
      // Wall values are UTC-like, so whole days add exactly.
      target = wall + k * amount * (unit === 'week' ? DAYS_PER_WEEK : 1) * DAY_MS;
    }
    return clampToRange(wallToEpoch(target, s.timezone));
  };
}

function slotFn(s: Schedule): SlotFn {
  assertEpoch(s.anchor, 'anchor');
  const rest = isCalendarUnit(s.period.unit)
    ? calendarSlotFn(s)
    : (k: number) => clampToRange(s.anchor + k * periodToMs(s.period));
  return (k) => (k === 0 ? s.anchor : rest(k));
}

// A guess of the largest k with slot(k) <= t, off by at most a step or two (t >= anchor).
function estimateIndex(s: Schedule, t: number): number {
  const { amount, unit } = s.period;
  if (!isCalendarUnit(unit)) return Math.floor((t - s.anchor) / periodToMs(s.period));
  const from = new Date(epochToWall(clampEpoch(s.anchor), s.timezone));
  const to = new Date(epochToWall(clampEpoch(t), s.timezone));
  if (unit === 'month') {
    const months = (to.getUTCFullYear() - from.getUTCFullYear()) * MONTHS_PER_YEAR + to.getUTCMonth() - from.getUTCMonth();
    return Math.floor(months / amount);
  }
  const stepMs = amount * (unit === 'week' ? DAYS_PER_WEEK : 1) * DAY_MS;
  return Math.floor((to.getTime() - from.getTime()) / stepMs);
}

// The largest k with slot(k) <= t, or -1 if the anchor is after t. Slots never decrease with k.
function lastIndexAtOrBefore(s: Schedule, slot: SlotFn, t: number, option = 't'): number {
  assertEpoch(t, option);
  if (s.anchor > t) return -1;
  let k = Math.max(0, estimateIndex(s, t));
  while (k > 0 && slot(k) > t) k--;
  while (slot(k + 1) <= t) k++;
  return k;
}

/**
 * Epoch ms of slot `k` (`k` = 0 is the anchor itself).
 *
 * Fixed units add `k·period` ms. Calendar units add `k·amount` days, weeks or months to the
 * anchor's wall-clock date in the schedule's zone (a month keeps the anchor's day, clamped to the
 * month's length) and convert back: a time skipped by DST moves forward by the gap, a repeated
 * one takes its first occurrence. Slots after the `Date` range are `Infinity`.
 *
 * @throws InvalidOptionError if `k` is not a non-negative integer or the anchor is not a valid epoch.
 * @example
 * ```ts
 * const s = { period: parsePeriod('1 month'), anchor: Date.UTC(2021, 0, 31, 9), timezone: 'UTC' };
 * new Date(slotTime(s, 1)).toISOString(); // '2021-02-28T09:00:00.000Z'
 * ```
 */
export function slotTime(s: Schedule, k: number): number {
  assertCount(k, 'k');
  return slotFn(s)(k);
}

/**
 * The smallest slot time strictly after `t` (the anchor when the anchor is after `t`).
 * Constant time however far `t` is from the anchor.
 *
 * @throws InvalidOptionError if `t` or the anchor is not an epoch in ms within the Date range.
 */
export function nextSlotAfter(s: Schedule, t: number): number {
  const slot = slotFn(s);
  return slot(lastIndexAtOrBefore(s, slot, t) + 1);
}

/**
 * The largest slot time at or before `t`, or null when the anchor is after `t`.
 *
 * @throws InvalidOptionError if `t` or the anchor is not an epoch in ms within the Date range.
 */
export function lastSlotAtOrBefore(s: Schedule, t: number): number | null {
  const slot = slotFn(s);
  const k = lastIndexAtOrBefore(s, slot, t);
  return k < 0 ? null : slot(k);
}

/**
 * The index `k` of the last slot at or before `t` (so `slotTime(s, k) <= t`), or -1 when the anchor
 * is after `t`. The number of slots in `(a, b]` is `slotIndexAtOrBefore(s, b) - slotIndexAtOrBefore(s, a)`.
 * Constant time however far `t` is from the anchor.
 *
 * @throws InvalidOptionError if `t` or the anchor is not an epoch in ms within the Date range.
 */
export function slotIndexAtOrBefore(s: Schedule, t: number): number {
  return lastIndexAtOrBefore(s, slotFn(s), t);
}

/**
 * The `n` successive distinct slot times strictly after `after`, in increasing order
 * (`Infinity` entries once past the `Date` range).
 *
 * @throws InvalidOptionError if `n` is not a non-negative integer, or for an invalid `after` or anchor.
 * @example
 * ```ts
 * nextSlots({ period: parsePeriod('30 sec'), anchor: 0, timezone: null }, 45_000, 2); // [60_000, 90_000]
 * ```
 */
export function nextSlots(s: Schedule, after: number, n: number): number[] {
  assertCount(n, 'n');
  const slot = slotFn(s);
  const out: number[] = [];
  let prev = after;
  // Distinct values only: a zone that skipped a whole day can map two calendar slots to one instant.
  for (let k = lastIndexAtOrBefore(s, slot, after, 'after') + 1; out.length < n; k++) {
    const v = slot(k);
    if (v > prev || v === Infinity) out.push((prev = v));
  }
  return out;
}
