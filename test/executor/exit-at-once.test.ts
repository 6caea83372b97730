// A plain script using the built package exits at once; its tasks keep running. waitFor keeps it alive until it settles.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, useExecutors, withCluster } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
// Generous: "at once" means no hang, not a benchmark.
const EXIT_DEADLINE_MS = 10_000;
const children: ChildProcess[] = [];

interface Script { child: ChildProcess; out: () => string; exited: () => boolean }

beforeAll(() => {
  expect(existsSync(DIST), 'run `npm run build` first: the subprocess scripts import dist/index.js').toBe(true);
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Writes `body` (after an import of the built package) to a .mjs file and runs it with node. */
function runScript(dir: string, body: string): Script {
  const file = path.join(dir, 'script.mjs');
  writeFileSync(file, `import { Executor } from ${JSON.stringify(pathToFileURL(DIST).href)};\n${body}\n`);
  const child = spawn(process.execPath, [file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  let done = false;
  child.on('exit', () => { done = true; });
  return { child, out: () => out, exited: () => done };
}

/** The `{"pid": N}` result line a script printed. */
function printedPid(out: string): number {
  const match = /"pid":(\d+)/.exec(out);
  if (!match) throw new Error(`no pid in script output: ${out}`);
  return Number(match[1]);
}

describe('a plain script', () => {
  it('that adds and starts an infinite-loop task exits at once; the task keeps running and can be stopped from elsewhere', async () => {
    const dir = kit.tmpDir();
    const folder = path.join(dir, 'exec');
    const script = runScript(dir, `
const ex = new Executor(${JSON.stringify(folder)}, ${JSON.stringify(withCluster(folder))});
await ex.addTask('bg', 'loop.js', { wd: ${JSON.stringify(FIXTURES)} });
console.log(JSON.stringify(await ex.startTask('bg')));
`);
    await waitUntil(script.exited, { timeoutMs: EXIT_DEADLINE_MS, what: 'the script to exit' });
    expect(script.child.exitCode, script.out()).toBe(0);
    const pid = printedPid(script.out());
    kit.track(pid);
    expect(pidAlive(pid)).toBe(true);

    const ex = kit.open(folder);
    expect((await ex.listTasks())[0]).toMatchObject({ name: 'bg', status: 'running', pid });
    const lines = (await ex.readOut('bg', 1000)).length;
    await waitUntil(async () => (await ex.readOut('bg', 1000)).length > lines, { what: 'the task to keep printing' });
    expect(await ex.stopTask('bg')).toMatchObject({ result: 'stopped', pid });
    expect(pidAlive(pid)).toBe(false);
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'stopped', pid: null });
  });

  it('that awaits ex.waitFor stays alive until it settles', async () => {
    const dir = kit.tmpDir();
    const folder = path.join(dir, 'exec');
    const doneFile = path.join(dir, 'done');
    const script = runScript(dir, `
const ex = new Executor(${JSON.stringify(folder)}, ${JSON.stringify(withCluster(folder))});
await ex.addTask('w', 'wait-file.js', { wd: ${JSON.stringify(FIXTURES)}, infiniteLoop: false, env: { DONE_FILE: ${JSON.stringify(doneFile)} } });
console.log(JSON.stringify(await ex.startTask('w')));
const row = await ex.waitFor('w', ['succeeded', 'failed'], { timeout: ${T(20_000)} });
console.log('settled ' + row.status);
`);
    await waitUntil(() => /"pid":\d+/.test(script.out()), { what: 'the task to start' });
    kit.track(printedPid(script.out()));
    const ex = kit.open(folder);
    // 20 ticks = about 1 s of the task running: far longer than an idle Node takes to exit.
    await waitUntil(async () => (await ex.readOut('w', 100)).length >= 20, { what: 'the task to run a while' });
    expect(script.exited(), script.out()).toBe(false);
    writeFileSync(doneFile, '');
    await waitUntil(script.exited, { timeoutMs: EXIT_DEADLINE_MS, what: 'the script to exit after waitFor settled' });
    expect(script.out()).toContain('settled succeeded');
    expect(script.child.exitCode).toBe(0);
  });

  it('with keepRestarting({ unref: true }) exits at once', async () => {
    const dir = kit.tmpDir();
    const folder = path.join(dir, 'exec');
    const script = runScript(dir, `
const ex = new Executor(${JSON.stringify(folder)}, ${JSON.stringify(withCluster(folder))});
await ex.addTask('bg', 'loop.js', { wd: ${JSON.stringify(FIXTURES)} });
console.log(JSON.stringify(await ex.startTask('bg')));
const sup = ex.keepRestarting({ sleep: 1, unref: true });
sup.done.catch((e) => console.log('done rejected ' + e.message));
console.log('supervising');
`);
    await waitUntil(script.exited, { timeoutMs: EXIT_DEADLINE_MS, what: 'the script to exit' });
    expect(script.out()).toContain('supervising');
    expect(script.child.exitCode, script.out()).toBe(0);
    const pid = printedPid(script.out());
    kit.track(pid);
    expect(pidAlive(pid)).toBe(true);
    const ex = kit.open(folder);
    expect(await ex.stopTask('bg')).toMatchObject({ result: 'stopped', pid });
    expect(pidAlive(pid)).toBe(false);
  });

  it('that starts and stops its own task 20 times gets every stop settled (the stop keeps Node alive until the exit is seen)', async () => {
    const dir = kit.tmpDir();
    const folder = path.join(dir, 'exec');
    const script = runScript(dir, `
const ex = new Executor(${JSON.stringify(folder)}, ${JSON.stringify(withCluster(folder, { killTimeout: 1000 }))});
let done = 0;
process.on('exit', () => console.log(done === 20 ? 'stopped 20' : 'lost at stop ' + done));
for (let i = 0; i < 20; i++) {
  await ex.addTask('t', 'loop.js', { wd: ${JSON.stringify(FIXTURES)}, replace: true });
  await ex.startTask('t');
  await ex.stopTask('t');
  done++;
}
`);
    await waitUntil(script.exited, { timeoutMs: 60_000, what: 'the script to exit' });
    expect(script.out()).toContain('stopped 20');
    expect(script.child.exitCode, script.out()).toBe(0);
  }, T(90_000));
});
