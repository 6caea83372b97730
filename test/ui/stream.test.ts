// The dashboard's live stream (issue 15, GET /api/stream): `tasks` (every row first, then changed rows), `supervisor`,
// `log` lines and, with ?follow=NAME, NAME's new output lines across restarts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddTaskOptions, StartResult, SupervisorInfo, TaskRow } from '../../src/index.js';
import { waitUntil } from '../helpers/wait.js';
import { stable, asJson, UI_FIXTURES, useDashboard } from './kit.js';

const kit = useDashboard();

interface TasksEvent { rows: TaskRow[]; removed: string[]; full: boolean }
interface OutEvent { name: string; line: string }

function script(file: string, options: AddTaskOptions = {}): AddTaskOptions & { script: string } {
  return { script: file, wd: UI_FIXTURES, infiniteLoop: false, ...options };
}

/** A `tasks` matcher: the row of `name` satisfies `match`. */
const rowOf = (name: string, match: (row: TaskRow) => boolean) => (e: TasksEvent): boolean => e.rows.some((r) => r.name === name && match(r));

describe('GET /api/stream', () => {
  it('opens as an event stream whose first `tasks` event is full, with every row, and sends the supervisor at connect', async () => {
    const { ex } = kit.make();
    for (const name of ['c', 'a', 'b']) await ex.addTask(name, script('lines.js', { tags: [name] }));
    const ui = await kit.serve(ex);
    const stream = await kit.stream(ui);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);

    const first = await stream.next<TasksEvent>('tasks');
    expect(stream.events.filter((e) => e.event === 'tasks')[0]).toBe(first);
    expect(first.json.full).toBe(true);
    expect(first.json.removed).toEqual([]);
    expect(first.json.rows.map((r) => r.name).sort()).toEqual(['a', 'b', 'c']);
    const rows = asJson(await ex.listTasks()).map(stable);
    expect([...first.json.rows].sort((x, y) => x.name.localeCompare(y.name)).map(stable)).toEqual(rows);
    expect((await stream.next<SupervisorInfo | null>('supervisor')).json).toBeNull();
  });

  it('sends a started task\'s row as running, then its exit with a non-running status, and the log lines', async () => {
    const { ex, dir } = kit.make();
    const go = path.join(dir, 'go');
    await ex.addTask('other', script('lines.js'));
    await ex.addTask('gate', script('gate.js', { env: { GO_FILE: go, EXIT_CODE: '3' } }));
    const ui = await kit.serve(ex);
    const stream = await kit.stream(ui);
    await stream.next<TasksEvent>('tasks', (e) => e.full);

    const before = stream.mark();
    const started = await ui.post<StartResult>('/api/tasks/gate/start');
    expect(started.status, started.text).toBe(200);
    kit.track(started.json.pid!);
    const running = await stream.next<TasksEvent>('tasks', rowOf('gate', (r) => r.status === 'running' && r.pid === started.json.pid), { after: before, timeoutMs: 5_000, what: 'gate running' });
    expect(running.json.full).toBe(false);
    expect(running.json.rows.map((r) => r.name)).not.toContain('other'); // only the rows that changed
    await stream.next<{ line: string }>('log', (e) => /gate/.test(e.line), { after: before, what: 'a log line about gate' });

    const runningAt = stream.events.indexOf(running);
    writeFileSync(go, '');
    const exited = await stream.next<TasksEvent>('tasks', rowOf('gate', (r) => r.status !== 'running'), { after: runningAt + 1, timeoutMs: 5_000, what: 'gate exited' });
    const row = exited.json.rows.find((r) => r.name === 'gate')!;
    expect(row).toMatchObject({ pid: null, lastExitCode: 3 });
    expect(row.status).toBe((await ex.listTasks()).find((r) => r.name === 'gate')!.status);
  });

  it('sends each new executor-log line, and a removed task in `removed`', async () => {
    const { ex } = kit.make();
    await ex.addTask('gone', script('lines.js'));
    const ui = await kit.serve(ex);
    const stream = await kit.stream(ui);
    await stream.next<TasksEvent>('tasks', (e) => e.full);
    const before = stream.mark();
    await ex.addTask('late', script('lines.js'));
    const added = await stream.next<{ line: string }>('log', (e) => e.line.includes('Adding late'), { after: before });
    expect((await ex.readLog()).some((l) => l === added.json.line)).toBe(true);
    await stream.next<TasksEvent>('tasks', rowOf('late', () => true), { after: before, what: 'the added row' });

    await ex.removeTask('gone');
    const removed = await stream.next<TasksEvent>('tasks', (e) => e.removed.includes('gone'), { after: before, what: 'gone removed' });
    expect(removed.json.rows.map((r) => r.name)).not.toContain('gone');
    await stream.next<{ line: string }>('log', (e) => e.line.includes('Removing gone'), { after: before });
  });

  it('with ?follow=NAME sends NAME\'s new output lines, across a restart', async () => {
    const { ex } = kit.make();
    await ex.addTask('ticker', script('ticker.js', { env: { TICK_MS: '100' } }));
    await ex.addTask('noise', script('ticker.js', { env: { TICK_MS: '100' } }));
    kit.track((await ex.startTask('noise')).pid!);
    kit.track((await ex.startTask('ticker')).pid!);
    const ui = await kit.serve(ex);
    const stream = await kit.stream(ui, '/api/stream?follow=ticker');
    const tick = /^tick (\S+) (\d+)$/;

    const first = await stream.next<OutEvent>('out', (e) => tick.test(e.line), { timeoutMs: 5_000, what: 'a line of the first run' });
    expect(first.json.name).toBe('ticker');
    const firstRun = tick.exec(first.json.line)![1]!;
    await stream.next<OutEvent>('out', (e) => e.line === `tick ${firstRun} ${Number(tick.exec(first.json.line)![2]) + 1}`, { what: 'the next line' });

    const restarted = await ui.post<StartResult>('/api/tasks/ticker/restart');
    expect(restarted.status, restarted.text).toBe(200);
    kit.track(restarted.json.pid!);
    const second = await stream.next<OutEvent>('out', (e) => tick.test(e.line) && tick.exec(e.line)![1] !== firstRun, { timeoutMs: 5_000, what: 'a line of the restarted run' });
    const secondRun = tick.exec(second.json.line)![1]!;
    await stream.next<OutEvent>('out', (e) => e.line === `tick ${secondRun} 3`, { timeoutMs: 5_000, what: 'the third line of the restarted run' });
    const outs = stream.events.filter((e) => e.event === 'out').map((e) => e.json as OutEvent);
    expect(outs.every((o) => o.name === 'ticker')).toBe(true);
    // Nothing of the new run is missed: its lines arrive from the first one, in order.
    const ofSecond = outs.filter((o) => o.line.startsWith(`tick ${secondRun} `)).map((o) => Number(tick.exec(o.line)![2]));
    expect(ofSecond.slice(0, 3)).toEqual([1, 2, 3]);
  });

  it('sends the supervisor when one starts holding the folder', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', script('lines.js'));
    const ui = await kit.serve(ex);
    const stream = await kit.stream(ui);
    expect((await stream.next<SupervisorInfo | null>('supervisor')).json).toBeNull();
    kit.supervise(ex);
    const held = await stream.next<SupervisorInfo | null>('supervisor', (s) => s !== null, { timeoutMs: 10_000, what: 'the supervisor' });
    expect(held.json).toEqual(asJson(await ex.getSupervisor()));
    expect(held.json!.pid).toBe(process.pid);
  });

  it('refuses a malformed ?follow= with 400, and ends open streams when the server closes', async () => {
    const { ex } = kit.make();
    const ui = await kit.serve(ex);
    const bad = await ui.get<{ error: { code: string } }>('/api/stream?follow=bad%20name');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('ERR_INVALID_TASK_NAME');

    const stream = await kit.stream(ui);
    await stream.next<TasksEvent>('tasks', (e) => e.full);
    let closed = false;
    void ui.handle.close().then(() => { closed = true; });
    await waitUntil(() => closed && stream.ended() !== null, { timeoutMs: 5_000, what: 'close() to end the stream' });
  });
});
