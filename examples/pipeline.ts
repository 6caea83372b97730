// Programs demo: a three-step pipeline (extract -> transform -> load) whose middle step fails once with exit code 75
// and is retried, resuming from its checkpoint (~2 s). See docs/programs.md.
// Run it with: npm run build && npx tsx examples/pipeline.ts
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Executor } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
// Upper bound for the run, so the demo can never hang.
const RUN_TIMEOUT_MS = 60_000;

const folder = mkdtempSync(join(tmpdir(), 'executor-sdk-pipeline-'));
const workDir = join(folder, 'work'); // where the steps hand data to each other
mkdirSync(workDir);
const ex = new Executor(folder);
console.log(`Executor ${ex.id} on ${ex.folder}\n`);

const t0 = Date.now();
const at = (): string => `+${((Date.now() - t0) / 1000).toFixed(1).padStart(4)} s`;
ex.on('start', (e) => console.log(`${at()}  start  ${e.name} run ${e.runId} (${e.trigger})`));
ex.on('step', (e) => {
  const how = e.status === 'running' ? `pid ${e.pid}` : `exit ${e.exitCode ?? e.signal}`;
  const retry = e.retryAt ? `, retry in ${Date.parse(e.retryAt) - Date.now()} ms` : '';
  const error = e.errorMessage ? ` - ${e.errorMessage}` : '';
  console.log(`${at()}  step   ${e.index} ${e.step.padEnd(9)} attempt ${e.attempt}: ${e.status} (${how}${retry})${error}`);
});
ex.on('exit', (e) => console.log(`${at()}  exit   ${e.name} run ${e.runId} code ${e.exitCode}`));

try {
  // 1. A program: three steps run in order, each in its own process with its own output file. A step that exits 75
  //    (EX_TEMPFAIL) is retried (3 times by default) after retryDelay (1 s, doubling each time); any other
  //    non-zero exit fails the run. `config` goes to every run in its EXECUTOR_RUN_FILE.
  await ex.addTask('pipeline', {
    wd: join(here, 'jobs', 'pipeline'),
    steps: [
      { name: 'extract', script: 'extract.js' },
      { name: 'transform', script: 'transform.js', retries: 2 },
      { name: 'load', script: 'load.js', timeout: '30 sec' },
    ],
    config: { workDir, rate: 0.92 },
    retryDelay: '1 sec',
    timeout: '1 min', // each attempt of each step (load has its own)
  });

  // 2. One run, with its input: the steps read `data` from EXECUTOR_RUN_FILE.
  const runId = await ex.runTask('pipeline', { data: { day: '2026-01-15', rows: 6 } });

  // 3. This process advances the run from step to step while it waits.
  const run = await ex.waitRun(runId, { timeout: RUN_TIMEOUT_MS });
  console.log(`\nRun ${run.runId}: ${run.status}, ${run.steps.length} steps, finishedAt ${run.finishedAt}`);
  console.log(`errorMessage (the last error, kept from the retry): ${JSON.stringify(run.errorMessage)}`);
  console.table(run.steps.map(({ name, status, retries, exitCode, outputFile }) => ({ name, status, retries, exitCode, outputFile })));

  // 4. The run's folder: its input, each step's output, exit status files (one per attempt) and checkpoints.
  const runDir = join(folder, 'runs', 'pipeline', runId);
  console.log(`runs/pipeline/${runId}/: ${readdirSync(runDir).sort().join('  ')}`);
  console.log(`transform's checkpoint: ${readFileSync(join(runDir, 'transform.state.json'), 'utf8').slice(0, 60)}...`);
  console.log("readOut('pipeline', 10, { run: runId, step: 'transform' }): both attempts, without their headers and footers");
  for (const line of await ex.readOut('pipeline', 10, { run: runId, step: 'transform' })) console.log(`  ${line}`);
  console.log(`warehouse: ${readFileSync(join(workDir, 'warehouse-2026-01-15.json'), 'utf8')}`);
} finally {
  rmSync(folder, { recursive: true, force: true });
}
