// `executor ui` (issue 15): prints the dashboard's URL, serves the folder until SIGTERM (exit 0), prints a generated
// token once off loopback, honours --read-only, --token and --open, and refuses a bad --port with a usage error.
// Runs the built bin: `npm run build` first.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../../src/index.js';
import { useCli, type CliChild } from '../helpers/cli.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { request, UI_FIXTURES } from './kit.js';

const cli = useCli();

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A folder with one idle task `job`. */
async function folderWithJob(): Promise<string> {
  const { folder } = cli.folder();
  const ex = cli.kit.open(folder);
  await ex.addTask('job', { script: 'lines.js', wd: UI_FIXTURES, infiniteLoop: false });
  return folder;
}

/** The dashboard URL the CLI printed (`http://host:port/`). */
async function printedUrl(ui: CliChild): Promise<string> {
  const line = await ui.line((l) => /http:\/\/[^\s]+:\d+\//.test(l));
  return /(http:\/\/[^\s?]+:\d+\/)/.exec(line)![1]!;
}

/** Sends SIGTERM and expects a clean exit 0 within T(10 s). */
async function stopsOnSigterm(ui: CliChild): Promise<void> {
  ui.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    ui.exited,
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`executor ui did not exit within ${T(10_000)} ms of SIGTERM (stderr: ${ui.stderr()})`)), T(10_000)); }),
  ]).finally(() => clearTimeout(timer));
  expect(result.exitCode, result.stderr).toBe(0);
  expect(result.signal).toBeNull();
}

describe('executor ui', () => {
  it('prints the URL, serves the folder\'s API, pages and assets, and exits 0 on SIGTERM, freeing the port', async () => {
    const folder = await folderWithJob();
    const port = await freePort();
    const ui = cli.spawn(folder, ['--folder', folder, 'ui', '--port', String(port)]);
    const url = await printedUrl(ui);
    expect(url).toBe(`http://127.0.0.1:${port}/`);

    const tasks = await request<TaskRow[]>(url, { path: '/api/tasks' });
    expect(tasks.status, tasks.text).toBe(200);
    expect(tasks.json.map((r) => r.name)).toEqual(['job']);
    const page = await request(url, { path: '/' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<script type="module" src="/assets/app.js">');
    expect(page.text).toContain('tr data-task="job"');
    for (const asset of ['/assets/app.js', '/assets/app.css']) {
      const reply = await request(url, { path: asset });
      expect(reply.status, `${asset}: ${reply.text.slice(0, 200)}`).toBe(200);
      expect(reply.text.length).toBeGreaterThan(0);
      expect(reply.headers['cache-control']).toMatch(/max-age=300/);
      expect(reply.headers['content-security-policy']).toMatch(/script-src 'self'/);
    }
    const ran = await request<{ runId: string }>(url, { method: 'POST', path: '/api/tasks/job/run', headers: { 'X-Executor': '1' } });
    expect(ran.status, ran.text).toBe(200);
    await cli.kit.open(folder).waitRun(ran.json.runId, { timeout: T(15_000) });

    await stopsOnSigterm(ui);
    await expect(request(url, { path: '/api/tasks' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('--port 0 picks a free port', async () => {
    const folder = await folderWithJob();
    const ui = cli.spawn(folder, ['ui', '--port', '0']);
    const url = await printedUrl(ui);
    expect(Number(new URL(url).port)).toBeGreaterThan(0);
    expect((await request(url, { path: '/api/supervisor' })).json).toBeNull();
    await stopsOnSigterm(ui);
  });

  it('--host 0.0.0.0 generates a token, prints it once at start, and requires it', async () => {
    const folder = await folderWithJob();
    const ui = cli.spawn(folder, ['ui', '--port', '0', '--host', '0.0.0.0']);
    const url = await printedUrl(ui);
    const tokenLine = await ui.line((l) => /[A-Za-z0-9_-]{32}/.test(l.replace(url, '')));
    const token = /([A-Za-z0-9_-]{32})/.exec(tokenLine.replace(url, ''))![1]!;
    const base = `http://127.0.0.1:${new URL(url).port}/`;
    const count = (text: string): number => text.split(token).length - 1;
    const printed = count(ui.stdout());
    expect(printed).toBeGreaterThanOrEqual(1);

    expect((await request(base, { path: '/api/tasks' })).status).toBe(401);
    expect((await request(base, { path: '/api/tasks', headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    const opened = await request(base, { path: `/?token=${token}` });
    expect(opened.status).toBe(200);
    expect(opened.headers['set-cookie']?.[0]).toMatch(/^executor_token=/);
    expect((await request(base, { path: '/', headers: { Cookie: `executor_token=${token}` } })).status).toBe(200);

    await stopsOnSigterm(ui);
    expect(count(ui.stdout())).toBe(printed); // not printed again
    expect(count(ui.stderr())).toBe(0);
    expect(count((await cli.kit.open(folder).readLog()).join('\n'))).toBe(0); // nor written to the folder
  });

  it('--read-only refuses controls; --token is required on loopback and never printed', async () => {
    const folder = await folderWithJob();
    const token = 'cli-given-token-0123456789';
    const ui = cli.spawn(folder, ['ui', '--port', '0', '--read-only', '--token', token]);
    const url = await printedUrl(ui);
    const auth = { Authorization: `Bearer ${token}` };
    expect((await request(url, { path: '/api/tasks' })).status).toBe(401);
    expect((await request(url, { path: '/api/tasks', headers: auth })).status).toBe(200);
    const refused = await request<{ error: { code: string } }>(url, { method: 'POST', path: '/api/tasks/job/start', headers: { ...auth, 'X-Executor': '1' } });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('ERR_READ_ONLY_DASHBOARD');
    expect((await cli.kit.open(folder).listTasks())[0]!.status).toBe('idle');
    await stopsOnSigterm(ui);
    expect(ui.stdout() + ui.stderr()).not.toContain(token);
  });

  it('--open opens the URL with the desktop\'s opener', async () => {
    const folder = await folderWithJob();
    const { dir } = cli.folder();
    const opened = path.join(dir, 'opened.txt');
    const opener = path.join(dir, 'xdg-open');
    writeFileSync(opener, `#!/bin/sh\nprintf '%s\\n' "$1" > '${opened}'\n`);
    chmodSync(opener, 0o755);
    const ui = cli.spawn(folder, ['ui', '--port', '0', '--open'], { env: { PATH: `${dir}:${process.env.PATH ?? ''}` } });
    const url = await printedUrl(ui);
    await waitUntil(() => existsSync(opened) && readFileSync(opened, 'utf8').endsWith('\n'), { what: 'the opener to be called' });
    expect(readFileSync(opened, 'utf8').trim()).toBe(url);
    await stopsOnSigterm(ui);
  });

  it('refuses a bad --port, --host or --token with exit code 2 and a usage error, serving nothing', async () => {
    const folder = await folderWithJob();
    for (const args of [['--port', 'abc'], ['--port', '70000'], ['--port', '-1'], ['--port', '1.5'], ['--host', 'bad host!'], ['--token', 'short']]) {
      const result = await cli.run(folder, ['ui', ...args]);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/^executor: (ERR_USAGE|ERR_INVALID_OPTION): /);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stdout).not.toMatch(/http:\/\//);
    }
  });

  it('reports a port already in use as one error line, without a stack', async () => {
    const folder = await folderWithJob();
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const result = await cli.run(folder, ['ui', '--port', String(port)]);
      expect(result.exitCode, result.stderr).not.toBe(0);
      expect(result.stderr).toMatch(/^executor: ERR_[A-Z_]+: .*\d+/);
      expect(result.stderr).toContain(String(port));
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
