// Issue 16, start order: dependsOn starts dependencies first and waits until they are ready (a `port` check here);
// stopAll stops dependents first; stopTask warns or cascades; cycles, unknown names and removals are refused.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DependencyCycleError, DependentsError, TaskNotFoundError } from '../../src/index.js';
import { expectRejected, nextEvent, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { depsFixture, entry, freePort, readEntries } from './kit.js';

const kit = useExecutors();

// db listens on its port after DELAY_MS; api connects to db (crashes if it cannot) and then listens on its own port;
// web connects to api. Each is ready by its port (web by the default 1 s alive).
async function threeLevels(delayMs = 600) {
  const { ex, dir } = kit.make();
  const log = path.join(dir, 'log.txt');
  const [dbPort, apiPort] = [await freePort(), await freePort()];
  await ex.addTask('db', depsFixture('listen.cjs'), { wd: dir, env: { PORT: String(dbPort), DELAY_MS: String(delayMs), LOG: log }, ready: { port: dbPort } });
  await ex.addTask('api', depsFixture('client.cjs'), { wd: dir, env: { DEP_PORT: String(dbPort), PORT: String(apiPort), LOG: log }, dependsOn: ['db'], ready: { port: apiPort } });
  await ex.addTask('web', depsFixture('client.cjs'), { wd: dir, env: { DEP_PORT: String(apiPort), LOG: log }, dependsOn: ['api'] });
  return { ex, dir, log };
}

describe('dependsOn: start order', () => {
  it('startTask starts a three-level chain in order, each once the one before accepts TCP connections', async () => {
    const { ex, log } = await threeLevels();
    const started = ex.startTask('web');
    // Meanwhile web waits, and says what for.
    const waiting = await waitUntil(async () => (await ex.listTasks()).find((r) => r.name === 'web' && r.status === 'waiting'), { what: 'web waiting' });
    expect(waiting.waiting).toMatch(/^(db|api) not ready/);
    expect(waiting.dependsOn).toEqual(['api']);
    const result = await started;
    expect(result).toMatchObject({ name: 'web', result: 'started' });
    const entries = await waitUntil(() => { const e = readEntries(log); return e.some((x) => x.task === 'web') && e; }, { what: 'web to log its start' });
    expect(entry(entries, 'start', 'api').at).toBeGreaterThanOrEqual(entry(entries, 'listen', 'db').at);
    expect(entry(entries, 'start', 'web').at).toBeGreaterThanOrEqual(entry(entries, 'listen', 'api').at);
    expect(entries.some((e) => e.what === 'crash')).toBe(false); // nobody started before what it needs
    const rows = await ex.listTasks();
    expect(rows.map((r) => [r.name, r.status, r.waiting])).toEqual([['api', 'running', null], ['db', 'running', null], ['web', 'running', null]]);
  });

  it('startAll starts in dependency order, an independent task at once; stopAll stops dependents first', async () => {
    const { ex, dir, log } = await threeLevels();
    await ex.addTask('lone', depsFixture('alive.cjs'), { wd: dir, env: { LOG: log } });
    const rows = await ex.startAll();
    expect(rows.map((r) => [r.name, r.result])).toEqual([['api', 'started'], ['db', 'started'], ['lone', 'started'], ['web', 'started']]);
    let entries = await waitUntil(() => { const e = readEntries(log); return e.some((x) => x.task === 'web') && e; }, { what: 'web to log its start' });
    expect(entry(entries, 'start', 'lone').at).toBeLessThan(entry(entries, 'listen', 'db').at); // not held back by db
    expect(entry(entries, 'start', 'api').at).toBeGreaterThanOrEqual(entry(entries, 'listen', 'db').at);
    expect(entry(entries, 'start', 'web').at).toBeGreaterThanOrEqual(entry(entries, 'listen', 'api').at);
    // web is up (connected to api) before the stop, so each stop is the fixture's own, logged one.
    await waitUntil(async () => (await ex.readOut('web', 5)).some((l) => l.startsWith('connected to')), { what: 'web connected' });
    const order: string[] = [];
    ex.on('stop', (e) => order.push(e.name));
    const stops = await ex.stopAll();
    expect(stops.every((s) => s.result === 'stopped')).toBe(true);
    expect(order.filter((n) => n !== 'lone')).toEqual(['web', 'api', 'db']); // dependents first
    entries = readEntries(log);
    expect(entries.some((e) => e.what === 'crash')).toBe(false); // api never saw db go first
    expect(entry(entries, 'stop', 'web').at).toBeLessThanOrEqual(entry(entries, 'stop', 'api').at);
    expect(entry(entries, 'stop', 'api').at).toBeLessThanOrEqual(entry(entries, 'stop', 'db').at);
  });

  it('startAll: independent branches do not wait for each other; a dependent that waits shows `waiting`, with the reason', async () => {
    const { ex, dir } = kit.make();
    const log = path.join(dir, 'log.txt');
    const [slowPort, apiPort] = [await freePort(), await freePort()];
    // slow: db listens after 1.5 s; fast: cache is ready 50 ms after it runs. api needs db; worker needs cache.
    await ex.addTask('db', depsFixture('listen.cjs'), { wd: dir, env: { PORT: String(slowPort), DELAY_MS: '1500', LOG: log }, ready: { port: slowPort } });
    await ex.addTask('api', depsFixture('client.cjs'), { wd: dir, env: { DEP_PORT: String(slowPort), PORT: String(apiPort), LOG: log }, dependsOn: ['db'] });
    await ex.addTask('cache', depsFixture('alive.cjs'), { wd: dir, env: { LOG: log }, ready: { afterMs: 50 } });
    await ex.addTask('worker', depsFixture('alive.cjs'), { wd: dir, env: { LOG: log }, dependsOn: ['cache'] });
    const all = ex.startAll();
    const waiting = await waitUntil(async () => (await ex.listTasks()).find((r) => r.name === 'api' && r.status === 'waiting'), { what: 'api waiting' });
    expect(waiting.waiting).toMatch(/^db (not ready \(no TCP connection on port \d+ yet\)|is (idle|running))/);
    const rows = await all;
    expect(rows.map((r) => [r.name, r.result])).toEqual([['api', 'started'], ['cache', 'started'], ['db', 'started'], ['worker', 'started']]);
    const entries = await waitUntil(() => { const e = readEntries(log); return e.some((x) => x.task === 'api') && e; }, { what: 'api to log its start' });
    expect(entry(entries, 'start', 'worker').at).toBeLessThan(entry(entries, 'listen', 'db').at); // not held back by db's branch
    expect(entry(entries, 'start', 'api').at).toBeGreaterThanOrEqual(entry(entries, 'listen', 'db').at);
    expect((await ex.listTasks()).map((r) => [r.name, r.status, r.waiting])).toEqual([
      ['api', 'running', null], ['cache', 'running', null], ['db', 'running', null], ['worker', 'running', null]]);
  });

  it('stopTask of a dependency warns with the dependents still running; { cascade: true } stops them first', async () => {
    const { ex, dir } = kit.make();
    const ready = { afterMs: 50 };
    await ex.addTask('db', depsFixture('alive.cjs'), { wd: dir, ready });
    await ex.addTask('api', depsFixture('alive.cjs'), { wd: dir, ready, dependsOn: ['db'] });
    await ex.addTask('web', depsFixture('alive.cjs'), { wd: dir, ready, dependsOn: ['api'] });
    await ex.startTask('web');
    const warned = nextEvent(ex, 'warning', (w) => w.name === 'db');
    await ex.stopTask('db');
    const warning = await warned;
    expect(warning.message).toMatch(/"api", "web" depend on it and are still running/);
    expect(warning.code).toBe('ERR_HAS_DEPENDENTS');
    expect((await ex.listTasks()).map((r) => [r.name, r.status])).toEqual([['api', 'running'], ['db', 'stopped'], ['web', 'running']]);
    await ex.stopAll();
    await ex.startTask('web');
    const stops: string[] = [];
    ex.on('stop', (e) => stops.push(e.name));
    const result = await ex.stopTask('db', { cascade: true });
    expect(result).toMatchObject({ name: 'db', result: 'stopped' });
    expect(stops).toEqual(['web', 'api', 'db']);
    expect((await ex.listTasks()).map((r) => r.status)).toEqual(['stopped', 'stopped', 'stopped']);
    await expect(ex.stopTask('db', { cascade: 'yes' } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });

  it('a dependency not ready within its readyTimeout: ReadyTimeoutError (ERR_WAIT_TIMEOUT) naming it; the dependent is not started', async () => {
    const { ex, dir } = kit.make();
    const port = await freePort(); // nobody listens there
    await ex.addTask('db', depsFixture('alive.cjs'), { wd: dir, ready: { port }, readyTimeout: T(400) });
    await ex.addTask('api', depsFixture('alive.cjs'), { wd: dir, dependsOn: ['db'] });
    const error = await ex.startTask('api').then(() => null, (e: unknown) => e as Error & { code: string; dependency: string });
    expect(error).toMatchObject({ code: 'ERR_WAIT_TIMEOUT', dependency: 'db', task: 'api' });
    expect(error!.message).toMatch(/Expected dependency "db" of "api" to be ready within \d+ ms, got "db not ready \(no TCP connection on port \d+ yet\)"/);
    const rows = await ex.listTasks();
    expect(rows.find((r) => r.name === 'api')).toMatchObject({ status: 'idle', pid: null, waiting: null });
    expect(rows.find((r) => r.name === 'db')).toMatchObject({ status: 'running' });
    // startAll: the dependent of a dependency that is not ready gets an error row, the others start.
    await ex.stopAll();
    const all = await ex.startAll();
    expect(all.find((r) => r.name === 'db')).toMatchObject({ result: 'started' });
    expect(all.find((r) => r.name === 'api')).toMatchObject({ result: 'error', code: 'ERR_WAIT_TIMEOUT' });
    expect((await ex.listTasks()).find((r) => r.name === 'api')).toMatchObject({ status: 'idle', pid: null, waiting: null }); // its waiting mark is gone
  });

  it('ready by a line of the current run\'s output, and by a file in its wd', async () => {
    const { ex, dir } = kit.make();
    const port = await freePort();
    await ex.addTask('db', depsFixture('listen.cjs'), { wd: dir, env: { PORT: String(port), DELAY_MS: '400' }, ready: { line: /listening on \d+/ } });
    await ex.addTask('api', depsFixture('client.cjs'), { wd: dir, env: { DEP_PORT: String(port) }, dependsOn: ['db'] });
    expect(await ex.startTask('api')).toMatchObject({ result: 'started' }); // client.cjs would exit 1 if db did not listen
    expect(await ex.waitFor('api', 'failed', { timeout: T(500) }).catch(() => null)).toBeNull();
    await ex.addTask('flag', depsFixture('flag.sh'), { wd: dir, env: { DELAY: '0.4' }, ready: { file: 'ready.flag' } });
    await ex.addTask('user', depsFixture('alive.cjs'), { wd: dir, dependsOn: ['flag'] });
    expect(await ex.startTask('user')).toMatchObject({ result: 'started' });
    expect(existsSync(path.join(dir, 'ready.flag'))).toBe(true);
  });
});

describe('dependsOn: bad input', () => {
  it('refuses a cycle, a self-dependency and an unknown name, writing nothing (a replace too)', async () => {
    const { ex, dir } = kit.make();
    await ex.addTask('a', depsFixture('alive.cjs'), { wd: dir });
    await ex.addTask('b', depsFixture('alive.cjs'), { wd: dir, dependsOn: ['a'] });
    await ex.addTask('c', depsFixture('alive.cjs'), { wd: dir, dependsOn: ['b'] });
    const cycle = await expectRejected(() => ex.addTask('a', depsFixture('alive.cjs'), { wd: dir, dependsOn: ['c'], replace: true }), DependencyCycleError, 'ERR_DEPENDENCY_CYCLE', /"a" → "c" → "b" → "a"/, ex.folder);
    expect((cycle as DependencyCycleError).cycle).toEqual(['a', 'c', 'b', 'a']);
    const self = await expectRejected(() => ex.addTask('d', depsFixture('alive.cjs'), { wd: dir, dependsOn: ['d'] }), DependencyCycleError, 'ERR_DEPENDENCY_CYCLE', /"d" → "d"/, ex.folder);
    expect((self as DependencyCycleError).cycle).toEqual(['d', 'd']);
    const unknown = await expectRejected(() => ex.addTask('e', depsFixture('alive.cjs'), { wd: dir, dependsOn: ['a', 'bb'] }), TaskNotFoundError, 'ERR_TASK_NOT_FOUND', /`dependsOn\[1\]`.*"bb".*did you mean/, ex.folder);
    expect((unknown as TaskNotFoundError).task).toBe('bb');
    await expectRejected(() => ex.addTask('e', depsFixture('alive.cjs'), { wd: dir, after: [{ task: 'zz' }] }), TaskNotFoundError, 'ERR_TASK_NOT_FOUND', /`after\[0\]\.task`/, ex.folder);
  });

  it('removeTask of a task others depend on is refused (ERR_HAS_DEPENDENTS) unless { force: true }', async () => {
    const { ex, dir } = kit.make();
    await ex.addTask('db', depsFixture('alive.cjs'), { wd: dir });
    await ex.addTask('api', depsFixture('alive.cjs'), { wd: dir, dependsOn: ['db'] });
    await ex.addTask('report', depsFixture('alive.cjs'), { wd: dir, after: [{ task: 'db', on: 'end' }] });
    const error = await expectRejected(() => ex.removeTask('db'), DependentsError, 'ERR_HAS_DEPENDENTS', /"api", "report"/, ex.folder);
    expect((error as DependentsError).dependents).toEqual(['api', 'report']);
    await expect(ex.removeTask('db', { force: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await ex.removeTask('db', { force: true });
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['api', 'report']);
    // Its dependent now starts without it.
    expect(await ex.startTask('api')).toMatchObject({ result: 'started' });
  });
});
