// Dashboard demo: a few tasks in mixed states (a looping web server, a nightly cron job, a failing program, an event
// subscriber) under a supervisor, and the web dashboard on them until Ctrl-C (or DASHBOARD_SECONDS).
// Run it with: npm run build && npx tsx examples/dashboard.ts   — then open the printed URL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../dist/index.js';

// How long the demo serves before it cleans up by itself (0: until Ctrl-C).
const SECONDS = Number(process.env.DASHBOARD_SECONDS ?? 0);

const folder = mkdtempSync(join(tmpdir(), 'executor-sdk-dashboard-'));
const ex = new Executor(folder, { killTimeout: 1_000 });
const sh = (code: string) => ({ script: '/bin/sh', args: ['-c', code] });

await ex.addTask('web', { ...sh('while true; do echo "GET / 200 $(date +%T)"; sleep 1; done'), tags: ['svc'], description: 'a looping server' });
await ex.addTask('nightly', { ...sh('echo report done'), infiniteLoop: false, cron: '30 2 * * *', tags: ['batch'] });
await ex.addTask('etl', {
  infiniteLoop: false, tags: ['batch'], retries: 0,
  steps: [{ name: 'extract', ...sh('echo extracted 42 rows') }, { name: 'load', ...sh('echo "load: connection refused" >&2; exit 1') }, { name: 'report', ...sh('echo never') }],
});
await ex.addTask('on-upload', { ...sh('echo "got $EXECUTOR_DATA"'), infiniteLoop: false, on: ['file-arrived'] });
await ex.startAll();
await ex.waitRun(await ex.runTask('etl')).catch(() => undefined);
const supervisor = ex.keepRestarting({ sleep: 5 });

const { url, close } = await ex.serve({ port: Number(process.env.DASHBOARD_PORT ?? 7070) });
console.log(`Dashboard of ${folder}: ${url}\nTry: the Upcoming page, etl's failed run, web's live output, and "Emit an event" file-arrived.`);

async function end(): Promise<void> {
  await close();
  await supervisor.stop();
  await ex.stopAll();
  rmSync(folder, { recursive: true, force: true });
}
if (SECONDS > 0) setTimeout(() => void end(), SECONDS * 1_000);
process.once('SIGINT', () => void end());
