// The dashboard's security rules (issue 15): loopback by default, the Host check, the POST header, read-only mode,
// the token off loopback (Bearer or the cookie `?token=` sets), no path outside the folder, a strict CSP, escaped output.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AddTaskOptions, Executor } from '../../src/index.js';
import { T } from '../helpers/time.js';
import { request, UI_FIXTURES, useDashboard, type Dashboard, type Reply } from './kit.js';

const kit = useDashboard();

const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** This machine's first non-loopback IPv4 address, or null. */
function lanAddress(): string | null {
  for (const list of Object.values(os.networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return null;
}

/** Expects `{ error: { code } }` with `status`. */
function expectRefused(reply: Reply, status: number, code: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect((reply.json as { error?: { code?: string } } | undefined)?.error?.code, reply.text).toBe(code);
}

function script(file: string, options: AddTaskOptions = {}): AddTaskOptions & { script: string } {
  return { script: file, wd: UI_FIXTURES, infiniteLoop: false, ...options };
}

/** The port of a served dashboard. */
const portOf = (ui: Dashboard): string => new URL(ui.url).port;

/** A folder with a finished run of `job` and a secret file next to the folder (outside it). */
async function withSecret(): Promise<{ ex: Executor; dir: string; runId: string }> {
  const { ex, dir } = kit.make();
  writeFileSync(path.join(dir, 'secret.txt'), 'TOPSECRET\n');
  writeFileSync(path.join(dir, 'secret.json'), '{"TOPSECRET":1}\n');
  await ex.addTask('job', script('lines.js'));
  const runId = await ex.runTask('job');
  await ex.waitRun(runId, { timeout: T(15_000) });
  return { ex, dir, runId };
}

describe('where it listens and who may call it', () => {
  it('binds to 127.0.0.1 by default: another address of this machine is refused', async () => {
    const { ex } = kit.make();
    const ui = await kit.serve(ex);
    expect(new URL(ui.url).hostname).toBe('127.0.0.1');
    expect((await ui.get('/api/tasks')).status).toBe(200);
    const lan = lanAddress();
    if (lan !== null) await expect(request(`http://${lan}:${portOf(ui)}/`, { path: '/api/tasks' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a Host header other than localhost, 127.0.0.1 or [::1] with 403 ERR_FORBIDDEN_HOST', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', script('lines.js'));
    const ui = await kit.serve(ex);
    const port = portOf(ui);
    for (const host of ['evil.example', `evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, `192.168.1.10:${port}`]) {
      expectRefused(await ui.raw({ path: '/api/tasks', headers: { Host: host } }), 403, 'ERR_FORBIDDEN_HOST');
      expect((await ui.raw({ path: '/', headers: { Host: host } })).status).toBe(403);
      expectRefused(await ui.raw({ method: 'POST', path: '/api/tasks/job/run', headers: { Host: host, 'X-Executor': '1' } }), 403, 'ERR_FORBIDDEN_HOST');
    }
    expect(await ex.listRuns()).toEqual([]);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await ui.raw({ path: '/api/tasks', headers: { Host: host } })).status, host).toBe(200);
    }
  });

  it('refuses a POST without X-Executor or Authorization with 403 ERR_CSRF, and changes nothing', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', script('gate.js'));
    const ui = await kit.serve(ex);
    expectRefused(await ui.raw({ method: 'POST', path: '/api/tasks/job/start' }), 403, 'ERR_CSRF');
    expectRefused(await ui.raw({ method: 'POST', path: '/api/tasks/job/run', body: 'data=1', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 403, 'ERR_CSRF');
    expectRefused(await ui.raw({ method: 'POST', path: '/api/events/go', body: '{}' }), 403, 'ERR_CSRF');
    expect((await ex.listTasks())[0]!.status).toBe('idle');
    expect(await ex.listRuns()).toEqual([]);
    const started = await ui.post<{ result: string; pid: number }>('/api/tasks/job/start');
    expect(started.status, started.text).toBe(200);
    kit.track(started.json.pid);
  });

  it('read-only: every control answers 403 ERR_READ_ONLY_DASHBOARD and changes nothing; reads and pages work, without controls', async () => {
    const { ex, runId } = await withSecret();
    const ui = await kit.serve(ex, { readOnly: true });
    const before = await ex.listTasks();
    const controls = ['start', 'stop', 'restart', 'enable', 'disable', 'run'].map((a) => `/api/tasks/job/${a}`);
    controls.push(`/api/runs/${runId}/cancel`, `/api/runs/${runId}/save`, '/api/events/go');
    for (const control of controls) expectRefused(await ui.post(control, control.endsWith('save') ? { name: 'x' } : undefined), 403, 'ERR_READ_ONLY_DASHBOARD');
    await ex.disableTask('job');
    expectRefused(await ui.post('/api/tasks/job/enable'), 403, 'ERR_READ_ONLY_DASHBOARD');
    expect((await ex.listTasks())[0]).toMatchObject({ status: before[0]!.status, enabled: false, pid: null });
    expect((await ex.listRuns()).map((r) => r.runId)).toEqual([runId]);
    expect(await ex.listRuns({ saved: true })).toEqual([]);

    for (const read of ['/api/tasks', '/api/tasks/job', '/api/tasks/job/out', '/api/runs', `/api/runs/${runId}`, '/api/log', '/api/supervisor', '/api/upcoming']) {
      expect((await ui.get(read)).status, read).toBe(200);
    }
    for (const page of ['/', '/tasks/job', `/runs/${runId}`]) {
      const html = await ui.get(page);
      expect(html.status, page).toBe(200);
      expect(html.text).toContain('data-read-only="true"');
      expect(html.text).not.toMatch(/data-action=/);
    }
  });
});

describe('the token', () => {
  it('off loopback: generated (32 base64url chars), required as Bearer; ?token= answers the page and sets an HttpOnly SameSite=Strict cookie', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', script('lines.js'));
    const ui = await kit.serve(ex, { host: '0.0.0.0' });
    const token = ui.handle.token!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const base = `http://127.0.0.1:${portOf(ui)}/`;

    expectRefused(await request(base, { path: '/api/tasks' }), 401, 'ERR_UNAUTHORIZED');
    expectRefused(await request(base, { path: '/api/tasks', headers: { Authorization: `Bearer ${token.slice(1)}x` } }), 401, 'ERR_UNAUTHORIZED');
    expect((await request(base, { path: '/' })).status).toBe(401);
    expect((await request(base, { path: '/api/stream' })).status).toBe(401);
    expectRefused(await request(base, { method: 'POST', path: '/api/tasks/job/run', headers: { 'X-Executor': '1' } }), 401, 'ERR_UNAUTHORIZED');
    expect(await ex.listRuns()).toEqual([]);
    expect((await request(base, { path: '/api/tasks', headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    // The token header is enough on a POST (a form cannot set it).
    const ran = await request<{ runId: string }>(base, { method: 'POST', path: '/api/tasks/job/run', headers: { Authorization: `Bearer ${token}` } });
    expect(ran.status, ran.text).toBe(200);
    await ex.waitRun(ran.json.runId, { timeout: T(15_000) });

    const wrong = await request(base, { path: '/?token=nope-nope-nope-nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const opened = await request(base, { path: `/tasks/job?token=${token}&n=5` });
    expect(opened.status).toBe(200);
    expect(opened.text).toContain('data-task-page="job"');
    const cookie = opened.headers['set-cookie']!.find((c) => c.startsWith('executor_token='))!;
    expect(cookie.split(';')[0]).toBe(`executor_token=${token}`);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
    expect(cookie).toMatch(/;\s*Path=\//i);
    expect((await request(base, { path: '/?token=' + token })).status).toBe(200);
    // The whole exchange through fetch (which follows nothing here): the page, and its cookie.
    const fetched = await fetch(`${base}?token=${encodeURIComponent(token)}`);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('set-cookie')).toMatch(/^executor_token=.*HttpOnly/i);

    const withCookie = { Cookie: `executor_token=${token}` };
    expect((await request(base, { path: '/api/tasks', headers: withCookie })).status).toBe(200);
    expect((await request(base, { path: '/', headers: withCookie })).status).toBe(200);
    // A cookie rides along with cross-site forms: a POST still needs the custom header.
    expectRefused(await request(base, { method: 'POST', path: '/api/tasks/job/disable', headers: withCookie }), 403, 'ERR_CSRF');
    expect((await ex.listTasks())[0]!.enabled).toBe(true);
    const disabled = await request(base, { method: 'POST', path: '/api/tasks/job/disable', headers: { ...withCookie, 'X-Executor': '1' } });
    expect(disabled.status, disabled.text).toBe(200);
    expect((await ex.listTasks())[0]!.enabled).toBe(false);

    const lan = lanAddress();
    if (lan !== null) {
      expectRefused(await request(`http://${lan}:${portOf(ui)}/`, { path: '/api/tasks' }), 401, 'ERR_UNAUTHORIZED');
      expect((await request(`http://${lan}:${portOf(ui)}/`, { path: '/api/tasks', headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    }
  });

  it('a given token is kept, and required on loopback too', async () => {
    const { ex } = kit.make();
    const given = 'a-given-token-0123456789';
    const ui = await kit.serve(ex, { token: given });
    expect(ui.handle.token).toBe(given);
    expectRefused(await ui.raw({ path: '/api/tasks' }), 401, 'ERR_UNAUTHORIZED');
    expect((await ui.get('/api/tasks')).status).toBe(200);
    expectRefused(await ui.raw({ path: '/api/tasks', headers: { Host: 'evil.example', Authorization: `Bearer ${given}` } }), 403, 'ERR_FORBIDDEN_HOST');

    const open = await kit.serve(ex, { host: '0.0.0.0', token: given });
    expect(open.handle.token).toBe(given);
    expect((await open.get('/api/tasks')).status).toBe(200);
    expect((await open.raw({ path: '/api/tasks' })).status).toBe(401);
  });
});

describe('paths, headers and escaping', () => {
  it('refuses task names, run ids, archives and steps that point outside the folder, and never shows such a file', async () => {
    const { ex } = await withSecret();
    await ex.addTask('etl', { wd: UI_FIXTURES, steps: [{ name: 'only', script: 'step.js' }] });
    await ex.waitRun(await ex.runTask('etl'), { timeout: T(15_000) });
    const ui = await kit.serve(ex);
    const attempts = [
      '/api/tasks/..%2F..%2Fetc/out', '/api/tasks/..%2Fsecret.txt/out', '/api/tasks/..%2F..%2Fsecret/outputs', '/api/tasks/..',
      '/api/tasks/job/out?run=../../x', '/api/tasks/job/out?run=../secret.txt', '/api/tasks/job/out?run=..%2Fsecret.txt',
      '/api/tasks/job/out?run=%2Fetc%2Fpasswd', '/api/tasks/job/out?run=/etc/passwd', '/api/tasks/job/out?run=job.txt/../../secret.txt',
      '/api/tasks/job/out?run=..', '/api/tasks/job/out?step=../secret.txt', '/api/tasks/etl/out?step=../../secret.txt',
      '/api/tasks/etl/out?run=../secret.json', '/api/runs/..%2F..%2Fsecret', '/api/runs/..%2Fsecret.json', '/api/runs/..',
      '/api/runs?task=..%2Fsecret', '/assets/..%2F..%2Fpackage.json', '/assets/%2e%2e%2fsecret.txt', '/tasks/..%2F..%2Fsecret.txt/out',
      '/tasks/job/out?run=../secret.txt', '/runs/..%2Fsecret.json', '/api/tasks/job/out?run=%00',
    ];
    for (const attempt of attempts) {
      const reply = await ui.get(attempt);
      expect([400, 404], `${attempt}: ${reply.status} ${reply.text}`).toContain(reply.status);
      expect(reply.text, attempt).not.toMatch(/TOPSECRET|root:x:0|"name": "executor-sdk"/);
    }
  });

  it('sends a strict CSP (no inline script, no other origin), nosniff, no referrer and no-store on every answer', async () => {
    const { ex, runId } = await withSecret();
    const ui = await kit.serve(ex);
    const missing: string[] = [];
    for (const where of ['/', '/upcoming', '/log', '/tasks/job', '/tasks/job/out', `/runs/${runId}`, '/api/tasks', '/api/tasks/job', '/api/runs', '/api/log', '/api/nope', '/tasks/nope']) {
      const reply = await ui.get(where);
      expect(reply.headers['content-security-policy'], where).toBe(CSP);
      expect(reply.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(reply.headers['x-content-type-options'], where).toBe('nosniff');
      expect(reply.headers['referrer-policy'], where).toBe('no-referrer');
      if (!/no-store/.test(String(reply.headers['cache-control']))) missing.push(`${where} (${reply.status}): Cache-Control ${String(reply.headers['cache-control'])}`);
    }
    expect(missing, 'answers without Cache-Control: no-store').toEqual([]);
    const refused = await ui.raw({ path: '/api/tasks', headers: { Host: 'evil.example' } });
    expect(refused.headers['content-security-policy']).toBe(CSP);
  });

  it('shows a task printing <img src=x onerror=alert(1)> as text on its output and run pages', async () => {
    const { ex } = kit.make();
    await ex.addTask('xss', script('html.js', { description: '<b onmouseover=alert(3)>bold</b>' }));
    const runId = await ex.runTask('xss', { data: { note: '<img src=y onerror=alert(4)>' } });
    await ex.waitRun(runId, { timeout: T(15_000) });
    const ui = await kit.serve(ex);
    expect((await ui.get<string[]>('/api/tasks/xss/out')).json).toEqual(['<img src=x onerror=alert(1)>', '<script>alert(2)</script>', 'a & b "quoted" \'single\'']);

    for (const page of ['/tasks/xss/out', `/runs/${runId}`, '/tasks/xss', '/']) {
      const reply = await ui.get(page);
      expect(reply.status, page).toBe(200);
      expect(String(reply.headers['content-type'])).toMatch(/text\/html/);
      const html = reply.text;
      expect(html, page).not.toMatch(/<img src=[xy]|<script>alert|<b onmouseover/);
      expect(html, page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script at all
      expect(html, page).not.toMatch(/<[^>]*\son[a-z]+=/i); // no handler attribute in any tag
      expect(html, page).not.toMatch(/<[^>]*\sstyle=/i);
    }
    const out = (await ui.get('/tasks/xss/out')).text;
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(out).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(out).toMatch(/<span data-line>&lt;img src=x onerror=alert\(1\)&gt;<\/span>/);
    expect((await ui.get(`/runs/${runId}`)).text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    const error = await ui.get('/tasks/%3Cimg%20src=x%20onerror=alert(5)%3E');
    expect([400, 404]).toContain(error.status);
    expect(error.text).not.toMatch(/<img src=x/);
  });
});
