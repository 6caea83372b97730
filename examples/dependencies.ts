// Start order, chains, env files and secrets (issue 16): a "db" that listens on a port after a second, an "api" that depends on
// it (ready once the port accepts) and reads its settings from an env file with a secret in it, started in order and
// stopped in reverse order; a chain from "load" to "report"; then the folder is searched for the secret value (~5 s).
// Run it with: npm run build && npx tsx examples/dependencies.ts
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../dist/index.js';

const dir = mkdtempSync(join(tmpdir(), 'executor-sdk-deps-'));
const folder = join(dir, 'exec');
process.env.EXECUTOR_SECRETS_DIR = join(dir, 'secrets'); // where secret values are kept (default: ~/.local/state/…)
const ex = new Executor(folder, { killTimeout: 1_000 });
const node = (code: string) => ({ script: process.execPath, args: ['-e', code], wd: dir });
const PORT = 20_000 + Math.floor(Math.random() * 20_000);
const SECRET = `s3cr3t-${process.pid}`;
writeFileSync(join(dir, '.env'), `DB_PORT=${PORT}\nGREETING=hello\n`);

await ex.addTask('db', { ...node(`setTimeout(() => require('net').createServer().listen(+process.env.DB_PORT, () => console.log('listening')), 1000)`), envFile: '.env', ready: { port: PORT } });
await ex.addTask('api', {
  ...node(`console.log(process.env.GREETING, 'from api; key length', process.env.API_KEY.length); setInterval(() => {}, 1000)`),
  dependsOn: ['db'], envFile: '.env', env: { API_KEY: SECRET },
});

const t0 = Date.now();
console.log(await ex.startTask('api')); // starts db, waits until its port accepts, then starts api
console.log(`api started after ${Date.now() - t0} ms (db took ~1 s to listen)`);
await ex.waitFor('api', 'running');
console.table((await ex.listTasks()).map(({ name, status, dependsOn, env }) => ({ name, status, dependsOn: dependsOn.join(','), env: JSON.stringify(env) })));

// A chain: each run of `load` that succeeds starts one run of `report`, with load's data and run id.
await ex.addTask('load', { ...node(`console.log('loaded')`), infiniteLoop: false });
await ex.addTask('report', { ...node(`console.log('report after run', process.env.EXECUTOR_UPSTREAM_RUN)`), infiniteLoop: false, after: [{ task: 'load', on: 'success' }] });
console.log('next runs of report:', await ex.nextRuns('report')); // ['after load']
await ex.waitRun(await ex.runTask('load', { data: { rows: 42 } }));
let chained = await ex.listRuns({ task: 'report' });
for (let i = 0; i < 50 && chained.length === 0; i++) chained = await new Promise((r) => setTimeout(r, 100)).then(() => ex.listRuns({ task: 'report' }));
const report = await ex.waitRun(chained[0]!.runId);
console.log(`report ran by ${report.trigger} with data ${JSON.stringify(report.data)}:`, await ex.readOut('report', 1));

console.log((await ex.stopAll()).map((r) => `${r.name}: ${r.result}`).join('\n')); // api first, then db

// Nothing in the folder holds the secret: the record says API_KEY=***, the value is kept outside it.
const files = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? files(join(d, f)) : [join(d, f)]));
const leaks = files(folder).filter((f) => readFileSync(f).includes(SECRET));
console.log(leaks.length === 0 ? 'the secret is in no file of the folder' : `LEAK: ${leaks.join(', ')}`);
rmSync(dir, { recursive: true, force: true });
