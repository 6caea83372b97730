// The `cron` option of addTask, end to end on an injected clock: 5 and 6 fields, `*`, `/n`, `a-b`, lists, `timezone`,
// and DST: a daily 02:30 job in Europe/Berlin (cron and `period: 'day'`) and an hourly cron across both changes of 2026.
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { ledger } from '../helpers/folder.js';
import { clocked, drive, firesExactlyAt, HOUR, iso, localDay, localTime, MINUTE, OK, type Clocked } from './sched-kit.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const BERLIN = 'Europe/Berlin';
const STEP = 10 * MINUTE;
// Slow paths: hundreds of ticks and dozens of real runs.
const LONG_TEST_MS = 120_000;

// Every scheduled run of `name` (from the ledger), with the clock at its start, the local day and local wall time.
function runsOf(c: Clocked, name: string) {
  return ledger(c.folder, name)
    .sort((a, b) => Date.parse(a.scheduledFor!) - Date.parse(b.scheduledFor!))
    .map((r) => ({ scheduledFor: r.scheduledFor!, startedAt: r.startedAt, trigger: r.trigger, exitCode: r.exitCode }));
}

describe('cron option', () => {
  it('5 fields with lists, ranges and steps, read in `timezone`: previewed, then fired exactly at each preview (not 1 ms before)', async () => {
    const c = clocked(kit, Date.parse('2026-05-08T12:00:00Z')); // Friday 08:00 in New York (EDT, UTC-4)
    await c.ex.addTask('ny', OK, { cron: '0,30 9-10 * * 1-5', timezone: 'America/New_York', infiniteLoop: false });
    expect(await c.ex.startTask('ny')).toMatchObject({ result: 'scheduled', pid: null });
    const expected = ['2026-05-08T13:00:00.000Z', '2026-05-08T13:30:00.000Z', '2026-05-08T14:00:00.000Z', '2026-05-08T14:30:00.000Z', '2026-05-11T13:00:00.000Z'];
    expect(await c.ex.nextRuns('ny')).toEqual(expected);
    for (const t of expected) {
      const event = await firesExactlyAt(c, 'ny', Date.parse(t));
      expect(event).toMatchObject({ name: 'ny', scheduledFor: t, trigger: 'schedule' });
    }
    expect(runsOf(c, 'ny')).toEqual(expected.map((t) => ({ scheduledFor: t, startedAt: t, trigger: 'schedule', exitCode: 0 })));
    expect(c.skips).toEqual([]);
  });

  it('6 fields (seconds first) fire at the right seconds', async () => {
    const c = clocked(kit, Date.parse('2026-05-08T12:00:30Z'));
    await c.ex.addTask('secs', OK, { cron: '15,45 */2 * * * *', timezone: 'UTC', infiniteLoop: false });
    await c.ex.startTask('secs');
    const expected = ['2026-05-08T12:00:45.000Z', '2026-05-08T12:02:15.000Z', '2026-05-08T12:02:45.000Z', '2026-05-08T12:04:15.000Z'];
    expect(await c.ex.nextRuns('secs', 4)).toEqual(expected);
    for (const t of expected) expect((await firesExactlyAt(c, 'secs', Date.parse(t))).scheduledFor).toBe(t);
    expect((await c.ex.listTasks())[0]).toMatchObject({ cron: '15,45 */2 * * * *', period: null, timezone: 'UTC', status: 'scheduled' });
  });

  it('the same expression follows the zone it is given', async () => {
    const c = clocked(kit, Date.parse('2026-01-15T12:00:00Z'));
    await c.ex.addTask('tokyo', OK, { cron: '0 9 * * *', timezone: 'Asia/Tokyo', infiniteLoop: false });
    await c.ex.addTask('utc', OK, { cron: '0 9 * * *', timezone: 'UTC', infiniteLoop: false });
    expect(await c.ex.nextRuns('tokyo', 2)).toEqual(['2026-01-16T00:00:00.000Z', '2026-01-17T00:00:00.000Z']);
    expect(await c.ex.nextRuns('utc', 2)).toEqual(['2026-01-16T09:00:00.000Z', '2026-01-17T09:00:00.000Z']);
  });
});

describe('DST in Europe/Berlin, driven tick by tick (10-minute steps)', () => {
  // Spring forward 2026-03-29 (02:00 CET -> 03:00 CEST), fall back 2026-10-25 (03:00 CEST -> 02:00 CET).
  const windows = [
    { change: 'spring-forward', from: '2026-03-27T12:00:00Z', expected: ['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z'] },
    { change: 'fall-back', from: '2026-10-23T12:00:00Z', expected: ['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z'] },
  ];
  const schedules = [
    { kind: 'cron', options: { cron: '30 2 * * *' } },
    { kind: "period 'day'", options: { period: 'day', start: '2026-03-27 02:30' } },
  ];

  for (const w of windows) {
    for (const s of schedules) {
      it(`a daily 02:30 job (${s.kind}) runs exactly once on each local day around the ${w.change} day`, async () => {
        const t0 = Date.parse(w.from);
        const c = clocked(kit, t0);
        await c.ex.addTask('daily', OK, { ...s.options, timezone: BERLIN, infiniteLoop: false });
        await c.ex.startTask('daily');
        const firedByDay = new Map<string, number>();
        while (c.clock.t < t0 + 3 * 24 * HOUR) {
          const report = await c.at(c.clock.t + STEP);
          if (report.fired.includes('daily')) {
            const day = localDay(c.clock.t, BERLIN);
            firedByDay.set(day, (firedByDay.get(day) ?? 0) + 1);
            await c.settle();
          }
        }
        const days = w.expected.map((t) => localDay(t, BERLIN));
        expect(Object.fromEntries(firedByDay)).toEqual(Object.fromEntries(days.map((d) => [d, 1])));
        expect(c.schedules.map((e) => e.scheduledFor)).toEqual(w.expected);
        expect(runsOf(c, 'daily')).toEqual(w.expected.map((t) => ({ scheduledFor: t, startedAt: t, trigger: 'schedule', exitCode: 0 })));
        // 02:30 local, except on the spring-forward night where 02:30 does not exist (moved forward by the gap).
        expect(w.expected.map((t) => localTime(t, BERLIN).slice(11))).toEqual(w.change === 'spring-forward' ? ['02:30', '03:30', '02:30'] : ['02:30', '02:30', '02:30']);
        expect(c.skips).toEqual([]);
      }, T(LONG_TEST_MS));
    }
  }

  it("an hourly cron ('0 * * * *') fires each wall-clock hour exactly once across both changes", async () => {
    const cases = [
      {
        from: '2026-03-28T20:00:00Z', to: '2026-03-29T06:00:00Z',
        // 02:00 does not exist that night.
        local: ['22:00', '23:00', '00:00', '01:00', '03:00', '04:00', '05:00', '06:00', '07:00', '08:00'],
        utc: ['21', '22', '23', '00', '01', '02', '03', '04', '05', '06'].map((h, i) => `2026-03-${i < 3 ? 28 : 29}T${h}:00:00.000Z`),
      },
      {
        from: '2026-10-24T20:00:00Z', to: '2026-10-25T06:00:00Z',
        // 02:00 happens twice that night (00:00Z CEST and 01:00Z CET): it fires once, at its first occurrence.
        local: ['23:00', '00:00', '01:00', '02:00', '03:00', '04:00', '05:00', '06:00', '07:00'],
        utc: ['21', '22', '23', '00', '02', '03', '04', '05', '06'].map((h, i) => `2026-10-${i < 3 ? 24 : 25}T${h}:00:00.000Z`),
      },
    ];
    for (const k of cases) {
      const c = clocked(kit, Date.parse(k.from));
      await c.ex.addTask('hourly', OK, { cron: '0 * * * *', timezone: BERLIN, infiniteLoop: false });
      await c.ex.startTask('hourly');
      await drive(c, Date.parse(k.to), STEP);
      const slots = c.schedules.map((e) => e.scheduledFor);
      expect(slots).toEqual(k.utc);
      expect(slots.map((t) => localTime(t, BERLIN).slice(11))).toEqual(k.local);
      expect(runsOf(c, 'hourly').map((r) => r.scheduledFor)).toEqual(k.utc);
      expect(runsOf(c, 'hourly').every((r) => r.exitCode === 0 && r.trigger === 'schedule')).toBe(true);
      expect(c.skips).toEqual([]);
      expect(iso(c.clock.t)).toBe(new Date(k.to).toISOString());
    }
  }, T(LONG_TEST_MS));
});
