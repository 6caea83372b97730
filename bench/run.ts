// `npm run bench`: runs every benchmark against the built package, writes docs/benchmarks.md and prints it.
// `BENCH_ONLY=schedule,timestamps npm run bench` runs only those (names in BENCHES) and prints their rows, leaving the doc alone.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanUp, cleanUpSync, type Figure } from './lib.js';
import { benchCli, REPS as CLI_REPS, TASKS as CLI_TASKS } from './cli.js';
import { benchEvent, ROUNDS as EVENT_ROUNDS, TASKS as EVENT_TASKS } from './event.js';
import { benchImport, REPS as IMPORT_REPS } from './import.js';
import { benchDashboard, EXITS as DASHBOARD_EXITS, IDLE_S as DASHBOARD_IDLE_S, IDLE_TASKS as DASHBOARD_IDLE_TASKS, PAINTS as DASHBOARD_PAINTS, PAINT_GAP_MS as DASHBOARD_PAINT_GAP_MS, SETTLE_S as DASHBOARD_SETTLE_S, TASKS as DASHBOARD_TASKS } from './dashboard.js';
import { benchDisplay, CALLS as DISPLAY_CALLS, TASKS as DISPLAY_TASKS } from './display.js';
import { benchInstall } from './install.js';
import { benchMemory } from './memory.js';
import { benchOutput, ROUNDS as OUTPUT_ROUNDS } from './output.js';
import { benchProgram, NODE_REPS as PROGRAM_NODE_REPS, REPS as PROGRAM_REPS, STEPS as PROGRAM_STEPS } from './program.js';
import { benchReadOut } from './read-out.js';
import { renderPartial, renderReport } from './report.js';
import { benchRestart, RESTARTS } from './restart.js';
import { ALIGNED_SECONDS as SCHEDULE_ALIGNED_SECONDS, benchSchedule, FLOOR_SECONDS as SCHEDULE_FLOOR_SECONDS, SECONDS as SCHEDULE_SECONDS, TASKS as SCHEDULE_TASKS } from './schedule.js';
import { benchStartAll, ROUNDS as START_ROUNDS, TASKS as START_TASKS } from './start-all.js';
import { benchStartDeps, LEVELS as DEPS_LEVELS, ROUNDS as DEPS_ROUNDS, TASKS as DEPS_TASKS } from './start-deps.js';
import { benchStopAll, ROUNDS as STOP_ROUNDS, TASKS as STOP_TASKS } from './stop-all.js';
import { benchStopTree, KILL_TIMEOUT_MS as STOP_KILL_TIMEOUT_MS, PROCESSES as STOP_PROCESSES } from './stop-tree.js';
import { benchTable } from './table.js';
import { benchTimestamps, LINE_BYTES as STAMP_LINE_BYTES, MIB as STAMP_MIB } from './timestamps.js';
import { TASKS as MEMORY_TASKS } from './memory.js';
import { benchCluster, LEASE_MS as CLUSTER_LEASE_MS, RT_RUNS as CLUSTER_RT_RUNS, START_ROUNDS as CLUSTER_START_ROUNDS, TAKEOVER_ROUNDS as CLUSTER_TAKEOVER_ROUNDS } from './cluster.js';
import { benchClusterSlots, HOSTS as SLOTS_HOSTS, SECONDS as SLOTS_SECONDS, TASKS as SLOTS_TASKS } from './cluster-slots.js';
import { benchClusterQueue, CPU_SECONDS as CLUSTER_CPU_S, RUNS as CLUSTER_RUNS, TASKS_PER_HOST as CLUSTER_TASKS } from './cluster-queue.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'benchmarks.md');

const NOTES = [
  `**Restart latency**: a task whose first run stamps the wall clock just before \`process.exit(1)\` and whose next run stamps it on its first line; supervised by \`keepRestarting\` (the first restart of a streak is immediate, so each sample is a fresh task). Floor: the same script respawned with \`child_process.spawn\` from the parent's \`'exit'\` handler. PM2: the same script as an app with autorestart on (PM2's default), started through PM2's programmatic API; its daemon restarts it, and the gap is read from the same two stamps. Every gap includes a full Node start-up; the three sides alternate, ${RESTARTS} samples each after a warm-up (\`BENCH_RESTARTS\`).`,
  `**startAll**: time for \`startAll()\` to resolve with ${START_TASKS} \`started\` rows (each run spawned and recorded), against a loop of ${START_TASKS} \`child_process.spawn\` calls of the same script (detached, output to a file), and against \`pm2 start\` of an ecosystem file of ${START_TASKS} apps of that script (the CLI, spawn → exit; it returns once its daemon has launched every app; a fresh daemon each round, already running). The script is \`sh sleep-ready.sh\` (notes its pid, then \`exec sleep 600\`; \`interpreter: 'sh'\` on every side) for the goal's row, and the Node sleeper for the earlier row. The time until every child has written its ready line is in the details. Between rounds, every child is waited for (up), killed and waited for (gone); the sides alternate, ${START_ROUNDS} rounds (\`BENCH_START_ROUNDS\`, \`BENCH_START_TASKS\`).`,
  `**Output throughput**: a Node child writes 200 MiB in 1 MiB chunks to stdout and stamps the wall clock at its first line and after its last write. The goal's row times whole runs with default options (a header first): ours from \`startTask\` to the task's \`exit\` event, the floor \`sh -c 'node writer.mjs > file'\` from spawn to exit, PM2 from \`pm2.start({ script, autorestart: false, out_file })\` (programmatic API, daemon running) until its bus announced the app's exit and the out file held all 200 MiB (PM2's daemon copies the child's pipe to the file, so the file may finish after the exit). The throughput row (the earlier goal) is measured between the child's two stamps, with \`header: false\`; the last row is that run end to end. Ratio = floor / ours, so 1.0 means no loss. Each round runs PM2 first, then (after a 200 ms pause and one unmeasured shell run: the first 200 MiB write after a pause was often several times slower, whoever made it) the shell, ours and ours with \`header: false\` in an order that rotates every round; ${OUTPUT_ROUNDS} rounds after a warm-up round (\`BENCH_OUTPUT_ROUNDS\`).`,
  `**Timestamp-mode throughput**: the same kind of writer, but of ${STAMP_LINE_BYTES}-byte lines (${STAMP_MIB} MiB), run as a task with \`timestamps: true\` (its output goes through the writer process that stamps each line) and as a task in the default fd mode (both \`header: false\`), timed from \`startTask\` to the task's \`exit\` event (which waits for the writer to drain); MiB/s = MiB / that time. Ratio = fd time / timestamps time (timestamps MiB/s as a fraction of fd mode's), so 1.0 means stamping costs nothing; a \`sh -c 'node line-writer.mjs > file'\` redirect is the floor of both. The three sides alternate, after one warm-up run each.`,
  '**readOut**: `readOut(name, 50)` on a 1 GB `<name>.txt` (sparse, with real lines at the end) and on a 1 MB one; floor: `open` + `fstat` + `read` of the last 64 KiB + `close`.',
  '**tick / startTask / stopTask**: tables of 10,000 and 10 idle tasks filled through `addTask`; then `tick()`, and `startTask` + `stopTask` of one task (running `sleep 60` from a shell script), alternating between the two tables; medians.',
  `**Schedule lateness**: ${SCHEDULE_TASKS} tasks on a \`'1 sec'\` period for ${SCHEDULE_SECONDS} s, supervised by \`keepRestarting()\`, task i anchored at a whole second + i·${(1000 / SCHEDULE_TASKS).toFixed(0)} ms (\`start\`), so the ${SCHEDULE_TASKS} runs a second are spread evenly over it; \`header: false\`, \`interpreter: 'sh'\`. Each run is a tiny shell script that appends \`$EXECUTOR_TASK $EXECUTOR_TRIGGER $(date +%s%N)\` to a log, so lateness = the child's own clock − its slot: it counts everything (timer, pass, lock, archive, spawn, the shell's start-up). Floor, in the same process but before ours (not alongside it): a plain \`setTimeout\` loop spawning the same script with \`child_process.spawn\` (detached, output to a file) at the same instants for ${SCHEDULE_FLOOR_SECONDS} s, measured the same way. A slot missed = never stamped within 5 s of the window's end (skipped slots, \`overlap: 'skip'\`, count as missed). Informational: the same with every task anchored on the same instant (${SCHEDULE_ALIGNED_SECONDS} s), against a floor of ${SCHEDULE_TASKS} raw spawns back to back in one timer callback. \`BENCH_SCHEDULE_SECONDS\`, \`BENCH_SCHEDULE_FLOOR_SECONDS\`, \`BENCH_SCHEDULE_ALIGNED_SECONDS\`, \`BENCH_SCHEDULE_BURSTS\`, \`BENCH_SCHEDULE_TASKS\` shorten it for quick runs.`,
  `**Program step overhead**: a program of ${PROGRAM_STEPS} steps, each \`sh program-step.sh\` (\`exit 0\`, \`interpreter: 'sh'\`, \`header: false\`), timed from \`runTask\` to \`waitRun\` resolving; per step = that time / ${PROGRAM_STEPS}. Floor: ${PROGRAM_STEPS} sequential \`child_process.spawn\`s of \`sh program-step.sh\` (detached, output to a file), each awaited until its \`'exit'\`. Three sides alternate ${PROGRAM_REPS} times after a warm-up: the floor, ours with no supervisor (the calling process advances the steps as they exit), ours under \`keepRestarting()\` in the same process. Informational: the same with ${PROGRAM_STEPS} empty Node steps (${PROGRAM_NODE_REPS} runs). \`BENCH_PROGRAM_STEPS\`, \`BENCH_PROGRAM_REPS\`, \`BENCH_PROGRAM_NODE_REPS\` change it.`,
  `**Event fan-out**: ${EVENT_TASKS} one-step programs with \`on: ['go']\` (step \`sh program-stamp.sh\`, which appends its run id and \`$(date +%s%N)\` to a log), supervised by \`keepRestarting()\` in the bench's process; timed from just before \`emitEvent('go')\` to each child's own stamp (and to each run's \`start\` event, in the details); per round, the first and the last of the ${EVENT_TASKS} spawns; p50 / p99 / max over ${EVENT_ROUNDS} rounds. Floor: ${EVENT_TASKS} \`child_process.spawn\`s of the same script from one loop (detached, output to a file), from the loop's start to each child's stamp. The event is emitted by the supervising process itself, and, alternately, by a second Node process (\`bench/fixtures/program-emit.mjs\`, already running, stamping just before its \`emitEvent\`), whose event file the supervisor picks up: the difference is the hand-over's cost. The three sides alternate round by round after a warm-up. \`BENCH_EVENT_ROUNDS\`, \`BENCH_EVENT_TASKS\` change it.`,
  `**Supervisor RSS and PSS**: a fresh plain-Node process imports \`dist/\`, supervises ${MEMORY_TASKS} sleeping Node tasks with \`keepRestarting({ sleep: 1 })\` and samples \`process.memoryUsage().rss\` every 250 ms for 3 s once all are up (the last sample). PM2: a daemon in a fresh \`PM2_HOME\` runs ${MEMORY_TASKS} apps of the same script (fork mode, from an ecosystem file); its VmRSS (\`/proc/<pid>/status\`) is sampled the same way. PSS (\`Pss\` of \`/proc/<pid>/smaps_rollup\`) is summed over every non-task process: ours, the supervisor plus every process carrying the executor's run marker (\`EXECUTOR_ID\`) that is not a task (the tasks report their pids), i.e. the runs' \`sh\` shims; PM2's, every process of the session that is not an app (the daemon, and any helper). Floor: a bare \`node\` process (\`BENCH_MEMORY_TASKS\`).`,
  `**CLI commands**: each command is a fresh process (\`node bin/executor.js ...\` with \`EXECUTOR_FOLDER\` a temp folder; \`node node_modules/pm2/bin/pm2 ...\` with the session's \`PM2_HOME\`; \`NO_COLOR=1\`, stdout and stderr piped and read), timed from \`spawn\` to \`'close'\` (exited, output read to its end); median and p90 of ${CLI_REPS} runs each. \`ls --json\` and \`ls\` run on a folder of ${CLI_TASKS} running tasks (\`sh sleep-long.sh\`, \`exec sleep 600\`, started with \`startAll()\` and left running), while a PM2 daemon runs ${CLI_TASKS} apps of the same script: \`pm2 jlist\` and \`pm2 ls\` ask that daemon (which samples each app's cpu and memory), and \`pm2 --version\` too connects to it first (its start is not timed). \`--version\` and \`--help\` against \`node -e 0\` (bare Node start-up). Informational: \`ls --json\` on ${CLI_TASKS} idle tasks against a \`node -e\` one-liner that reads and \`JSON.parse\`s every \`tasks/*.json\` and prints them as JSON; \`run NAME --wait\` of a task whose script is \`sh\` printing one line (default options) against a \`node -e\` one-liner that spawns \`sh\` on the same script and pipes its output through. Every side runs once as a warm-up, then ${CLI_REPS} rounds of all sides, the round's order reversed every other round (\`BENCH_CLI_REPS\`, \`BENCH_CLI_TASKS\`).`,
  `**import**: a fresh \`node --input-type=module -e\` run from the package's root (so \`executor-sdk\` resolves through the package's own \`exports\`, as a user's import does) that prints \`process.memoryUsage().rss\` as its last act: bare, and after \`await import('executor-sdk')\`; timed from spawn to exit. Added time and added RSS = medians of ${IMPORT_REPS} runs each, sides alternating after a warm-up. PM2 column, informational: \`require('pm2')\` the same way (\`BENCH_IMPORT_REPS\`).`,
  `**stopAll**: ${STOP_TASKS} running tasks, each \`sh sh-child.sh\` (\`sleep 600 &\`, then \`wait\`; \`interpreter: 'sh'\`), started with \`startAll()\` and all up (each wrote its child's pid); \`stopAll()\` timed from the call until every one of those processes is gone (found by a marker in \`/proc/<pid>/environ\`; the time the call returned, when later, counts). Floor: the same scripts spawned raw (detached), then \`kill(-pgid, SIGTERM)\` for each and a wait until every pid (each \`sh\` and its \`sleep\`) is gone. PM2: ${STOP_TASKS} apps of the same script from an ecosystem file, then \`pm2 delete all\` (the CLI, spawn → exit, daemon running), every process checked gone the same way. The three sides alternate, ${STOP_ROUNDS} rounds; medians (\`BENCH_STOP_ROUNDS\`, \`BENCH_STOP_TASKS\`).`,
  '**npm install**: `npm pack --ignore-scripts` of the built package into a temp folder, then in an empty temp project `npm i --prefer-offline --no-audit --no-fund <tarball>` (install scripts allowed, as for a user). Size: `du -sk node_modules`. Packages: every package root under node_modules (`node_modules/<name>/package.json`, `node_modules/@scope/<name>/package.json`, nested ones too, the package itself included). Install scripts: any of those with `preinstall`, `install` or `postinstall`, or a `binding.gyp`.',
  `**Stopping a big tree**: a task whose script (\`bench/fixtures/big-tree.sh\`) starts ${STOP_PROCESSES} processes that all ignore SIGTERM (7 subshells of 99 \`sleep\`s each); \`stopTask\` with \`killTimeout: ${STOP_KILL_TIMEOUT_MS}\`, timed from the call to its return, with every process found gone (by the run marker in \`/proc/<pid>/environ\`). The floor is the killTimeout itself: a stop that must wait it cannot be faster. The event loop of the calling process is watched with \`perf_hooks.monitorEventLoopDelay\` (resolution 5 ms) for the whole stop; its max is the longest block.`,
  `**Notebook views**: a folder of ${DISPLAY_TASKS} idle tasks filled through \`addTask\`; \`status()\` (the \`ls\` columns as printable strings) against the \`listTasks()\` it formats, both in the same process, median of ${DISPLAY_CALLS} calls after a warm-up; the HTML of that table (\`(await ex.status())[Symbol.for('Jupyter.display')]()\`: escaped cells, inline-styled badges, what \`display()\` sends to a kernel) against \`JSON.stringify\` of the same rows; and \`close()\` of a second Executor on the folder that holds the supervisor lease (\`keepRestarting\`) and follows the log, median of 5 (\`BENCH_ONLY=display\`, \`BENCH_DISPLAY_TASKS\`).`,
  `**Web dashboard**: \`executor ui --port 0 --folder DIR\` spawned from the built bin (its own process), driven by playwright-core in Debian's Chromium (\`/usr/bin/chromium\`, headless, \`--no-sandbox\`). First paint: a folder of ${DASHBOARD_TASKS} idle tasks; each sample opens \`/\` in a fresh browser context (empty cache) and reads \`first-contentful-paint\` (ms from navigation start), then waits until all ${DASHBOARD_TASKS} rows are in the page (the server renders the first 100, the script appends the rest from the live stream's first message), closes it and waits ${DASHBOARD_PAINT_GAP_MS} ms. Floor: the HTML of \`/?all=1\` (every row), saved once with app.js, app.css and the \`/api/tasks\` JSON, served from memory by a bare \`node:http\` server in another process (bench/fixtures/static-server.mjs). The two sides alternate, ${DASHBOARD_PAINTS} samples each after a warm-up. GET \`/\` and GET \`/api/tasks\` are timed from the bench's \`fetch\` to the body's last byte, against the same static server. Page weight: app.js + app.css + the HTML of \`/\` on an empty folder (the page), gzipped with \`zlib.gzipSync\` (default level); the ${DASHBOARD_TASKS} rows are data and are given beside it. Exit → badge: tasks \`sh exit-stamp.sh\` (sleep 0.4 s, write \`date +%s%N\` to a file, exit 3; \`header: false\`) are started one at a time with \`startTask\` while one page is open on \`/\`. A MutationObserver installed in the page records \`performance.timeOrigin + performance.now()\` when the task's \`tr[data-task]\` leaves \`data-status="running"\`; latency = that time − the stamp. ${DASHBOARD_EXITS} samples after a warm-up, first with no supervisor (the shim's exit file is what changes), then with \`keepRestarting()\` in the bench's process, a different process from the ui. Idle CPU: ${DASHBOARD_IDLE_TASKS} running tasks (\`sh sleep-long.sh\`, \`startAll()\`, no supervisor); utime + stime of the ui process from \`/proc/<pid>/stat\`, as % of one core, over ${DASHBOARD_IDLE_S} s starting ${DASHBOARD_SETTLE_S} s after the page opens on \`/\` (and, in the details, over ${DASHBOARD_IDLE_S} s before it opens). Floor: an idle \`node -e "setInterval(() => {}, 1000)"\` over the same windows. Memory: VmRSS and PSS (\`smaps_rollup\`) of the ui process at the end of that window, against the idle node. PM2, informational: its daemon in a fresh \`PM2_HOME\` running ${DASHBOARD_IDLE_TASKS} apps of the same script (\`interpreter: 'sh'\`), read ${DASHBOARD_SETTLE_S} s after all are online. PM2's web dashboard is a paid service, so its daemon (what \`pm2 ls\` and \`pm2 monit\` ask) is the nearest free counterpart (\`BENCH_ONLY=dashboard\`, \`BENCH_DASHBOARD_TASKS\`, \`BENCH_DASHBOARD_PAINTS\`, \`BENCH_DASHBOARD_EXITS\`, \`BENCH_DASHBOARD_IDLE_TASKS\`, \`BENCH_DASHBOARD_IDLE_S\`; \`BENCH_CHROMIUM\` overrides the browser path).`,
  `**startAll with dependencies**: ${DEPS_TASKS} tasks (\`sh sleep-long.sh\`, \`header: false\`) in ${DEPS_LEVELS} levels, task i of level k depending on task i of level k − 1, each ready as soon as it runs (\`ready: { afterMs: 0 }\`), against the same tasks without \`dependsOn\`; \`startAll()\` on a fresh folder each round, timed to its return, then \`stopAll()\`; the sides alternate, ${DEPS_ROUNDS} rounds after a warm-up each; added time a level = (levels − flat) / ${DEPS_LEVELS}. One more run with the default readiness (1 s alive), informational (\`BENCH_ONLY=start-deps\`, \`BENCH_DEPS_TASKS\`, \`BENCH_DEPS_LEVELS\`, \`BENCH_DEPS_ROUNDS\`).`,
  `**Cluster (issue 17)**: a real PostgreSQL (Debian's server, started as the tests start it: initdb + pg_ctl, fsync off) and 3 hosts on this machine, each a supervising process of its own (\`bench/fixtures/cluster-host.mjs\`, \`keepRestarting\`, leaseTime 10 s). A client Executor that does not supervise calls \`runTask\` ${CLUSTER_RUNS} times on a task whose script is \`sh true.sh\` (\`exit 0\`, \`header: false\`): each call inserts a jobs row; the hosts claim the rows (\`FOR UPDATE SKIP LOCKED\`), launch and record them. Runs a second = ${CLUSTER_RUNS} / (last run's \`startedAt\` − the first call). Floor: ${CLUSTER_RUNS} raw \`spawn('sh', [true.sh])\` from one process, until all exited. Transactions per run from \`pg_stat_database\`, less the hosts' idle rate. Database CPU: 3 × ${CLUSTER_TASKS} running \`sh sleep-long.sh\` tasks (started by the client's \`startAll\`, handed to the hosts), the server's processes' utime + stime over ${CLUSTER_CPU_S} s (\`BENCH_ONLY=cluster-queue\`, \`BENCH_CLUSTER_RUNS\`, \`BENCH_CLUSTER_TASKS\`, \`BENCH_CLUSTER_CPU_S\`).`,
  `**Cluster takeover, startTask, round trips (issue 17)**: a real PostgreSQL (Debian's server, initdb + pg_ctl, fsync off). Takeover: 3 hosts (supervising processes of their own, leaseTime ${CLUSTER_LEASE_MS} ms) run a long-running task; the host running it is killed with SIGKILL, timed from the kill until the task runs on another host (its new pid recorded), ${CLUSTER_TAKEOVER_ROUNDS} rounds. startTask: on a supervising host of a cluster against a folder against a raw spawn, and from a client handed to a host, ${CLUSTER_START_ROUNDS} rounds each; a client's \`stopTask\` of a run on another host. Round trips: the Db's statement counter over ${CLUSTER_RT_RUNS} runTask runs on the supervising host, less its idle rate (\`BENCH_ONLY=cluster\`, \`BENCH_CLUSTER_TAKEOVER_ROUNDS\`, \`BENCH_CLUSTER_LEASE_MS\`, \`BENCH_CLUSTER_START_ROUNDS\`, \`BENCH_CLUSTER_RT_RUNS\`).`,
  `**Cluster slot lateness (issue 17)**: a real PostgreSQL and ${SLOTS_HOSTS} hosts (supervising processes of their own, \`test/fixtures/cluster/supervisor.ts\` from the source, leaseTime 5 s); a client adds ${SLOTS_TASKS} tasks on \`'2 sec'\` (the schedule bench's stamp script: lateness = the child's own \`date +%s%N\` − its slot) anchored evenly over the period, then all on one instant, ${SLOTS_SECONDS} s each on a fresh server; slots run twice must be 0 (\`BENCH_ONLY=cluster-slots\`, \`BENCH_SLOTS_HOSTS\`, \`BENCH_SLOTS_TASKS\`, \`BENCH_SLOTS_SECONDS\`).`,
];

/** Everything after this line of docs/benchmarks.md is written by hand and kept by each run. */
export const KEPT_MARKER = '<!-- Written by hand below this line: npm run bench keeps it. -->';

// The hand-written tail of the current doc (from KEPT_MARKER on), or nothing.
function keptByHand(): string {
  const old = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  const at = old.indexOf(KEPT_MARKER);
  return at < 0 ? '' : `\n${old.slice(at)}`;
}

/** Bench names, in run order; `BENCH_ONLY=schedule,timestamps` runs a subset (printed, docs/benchmarks.md left alone). */
export const BENCHES = ['schedule', 'restart', 'start-all', 'output', 'timestamps', 'read-out', 'table', 'memory', 'program', 'event', 'cli', 'import', 'stop-all', 'stop-tree', 'install', 'display', 'dashboard', 'start-deps', 'cluster', 'cluster-queue', 'cluster-slots'] as const;
type BenchName = (typeof BENCHES)[number];

/** The benches chosen by `BENCH_ONLY` (comma-separated names), or null for all of them. */
function only(): Set<BenchName> | null {
  const raw = process.env.BENCH_ONLY?.trim();
  if (!raw) return null;
  const names = raw.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(BENCHES as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`Unknown bench(es) in BENCH_ONLY: ${unknown.join(', ')} (known: ${BENCHES.join(', ')})`);
  return new Set(names as BenchName[]);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const chosen = only();
  const caCertsWasSet = process.env.NODE_EXTRA_CA_CERTS !== undefined;
  // Every child (ours and floors) inherits process.env: unsetting it here treats both sides alike.
  delete process.env.NODE_EXTRA_CA_CERTS;
  // Runs are unref'd by design, so awaiting their events alone would let Node exit: keep it alive while we measure.
  const keepAlive = setInterval(() => undefined, 1_000);
  const figures: Figure[] = [];
  const step = async <T extends { figures: Figure[] }>(name: BenchName, label: string, fn: () => Promise<T>): Promise<T | null> => {
    if (chosen && !chosen.has(name)) return null;
    process.stderr.write(`bench: ${label}…\n`);
    const result = await fn();
    figures.push(...result.figures);
    return result;
  };
  try {
    // Schedule lateness first: the later benches create and delete tens of thousands of files in the temp folder
    // (10,000-task tables, GBs of output), after which creating a file on this machine's ext4 can take a millisecond,
    // and each scheduled run creates a few.
    await step('schedule', 'schedule lateness', benchSchedule);
    await step('restart', 'restart latency (with PM2)', benchRestart);
    await step('start-all', 'startAll (with PM2)', benchStartAll);
    await step('output', 'output throughput (with PM2)', benchOutput);
    await step('timestamps', 'timestamp-mode throughput', benchTimestamps);
    await step('read-out', 'readOut', benchReadOut);
    await step('table', 'tick, startTask, stopTask with 10,000 tasks', benchTable);
    await step('memory', 'supervisor RSS and PSS (with PM2)', benchMemory);
    await step('program', 'program step overhead', benchProgram);
    await step('event', 'event fan-out', benchEvent);
    await step('cli', 'executor CLI commands (with PM2)', benchCli);
    await step('import', 'import cost', benchImport);
    await step('stop-all', 'stopAll of running tasks (with PM2)', benchStopAll);
    await step('stop-tree', 'stopping a 700-process tree', benchStopTree);
    await step('install', 'npm install footprint', benchInstall);
    await step('display', 'notebook views with 1,000 tasks', benchDisplay);
    await step('dashboard', 'web dashboard in headless Chromium (with PM2)', benchDashboard);
    await step('start-deps', 'startAll of 100 tasks in 10 dependency levels', benchStartDeps);
    await step('cluster', 'cluster: takeover, startTask, round trips (PostgreSQL)', async () => ({ figures: await benchCluster() }));
    await step('cluster-slots', 'cluster: scheduled-slot lateness across 3 hosts (PostgreSQL)', benchClusterSlots);
    await step('cluster-queue', 'cluster: runs handed to 3 hosts, database cost (PostgreSQL)', benchClusterQueue);
    if (chosen) {
      process.stdout.write(`${renderPartial(figures)}\nPartial run (BENCH_ONLY=${process.env.BENCH_ONLY}, ${((Date.now() - t0) / 1000).toFixed(0)} s): docs/benchmarks.md not written.\n`);
      return;
    }
    const doc = renderReport(figures, NOTES, { date: new Date(), durationMs: Date.now() - t0, caCertsWasSet });
    writeFileSync(DOC, doc + keptByHand());
    process.stdout.write(`${doc}\nWritten to ${DOC}\n`);
  } finally {
    await cleanUp();
    clearInterval(keepAlive);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanUpSync();
    process.kill(process.pid, signal);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
