// cpu and rss of a running task's whole tree, as a one-shot `executor ls --json` / `ls` and a fresh Executor's
// listTasks() show them: from one /proc pass, a process seen for the first time counting its average since it started.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../../src/task/rows.js';
import { useCli } from '../helpers/cli.js';
import { TIME_FACTOR } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { jsonOf, linesOf } from '../fixtures/cli/tasks/kit.js';

const cli = useCli();
const BUSY_TREE = fileURLToPath(new URL('../fixtures/process/busy-tree.sh', import.meta.url));
const MIB = 1024 * 1024;
/** Memory the task's Node child holds. */
const HOG_MB = 64;
/** A sh busy loop uses a core: its tree shows well above this (lowered on a loaded machine, as the loop gets less). */
const BUSY_CPU_PERCENT = 20 / TIME_FACTOR;
/** Time between two looks while waiting for the tree to show its CPU. */
const POLL_MS = 200;

/** A folder with task `busy` running busy-tree.sh, once its Node child holds its memory. */
async function busyTask(): Promise<{ folder: string; ex: ReturnType<typeof cli.kit.open> }> {
  const { dir, folder } = cli.folder();
  const ex = cli.kit.open(folder);
  const pidsFile = path.join(dir, 'pids');
  await ex.addTask('busy', BUSY_TREE, { env: { NODE: process.execPath, PIDS_FILE: pidsFile, HOG_MB: String(HOG_MB) } });
  await ex.startTask('busy');
  const hog = await waitUntil(() => {
    try {
      return Number(readFileSync(pidsFile, 'utf8').split('\n')[0]) || null;
    } catch {
      return null;
    }
  }, { what: 'the Node child to hold its memory' });
  cli.kit.track(hog);
  return { folder, ex };
}

describe('ls: cpu and rss of the whole tree', () => {
  it('ls --json, a fresh process each time, shows the busy tree using CPU and the child memory in rss', async () => {
    const { folder } = await busyTask();
    // Each `ls` is a new process: with no history, the loop shows its average since it started.
    const row = await waitUntil(async () => {
      const [busy] = jsonOf<TaskRow[]>(await cli.run(folder, ['ls', '--json']));
      return busy && busy.cpu !== null && busy.cpu > BUSY_CPU_PERCENT ? busy : null;
    }, { what: `ls --json to show > ${BUSY_CPU_PERCENT} % CPU`, intervalMs: POLL_MS });
    expect(row).toMatchObject({ name: 'busy', status: 'running' });
    expect(row.rss).toBeGreaterThan(HOG_MB * MIB);
  });

  it('the table shows the same figures in its CPU and MEM columns', async () => {
    const { folder } = await busyTask();
    const cells = await waitUntil(async () => {
      const [, line] = linesOf(await cli.run(folder, ['ls']));
      const row = line?.split(/\s{2,}/) ?? [];
      return Number.parseFloat(row.at(-2) ?? '') > BUSY_CPU_PERCENT ? row : null;
    }, { what: `the CPU column to show > ${BUSY_CPU_PERCENT} %`, intervalMs: POLL_MS });
    expect(cells[0]).toBe('busy');
    expect(cells.at(-2)).toMatch(/^\d+(\.\d)?%$/);
    expect(cells.at(-1)).toMatch(/^\d+(\.\d+)?\s?[MG]i?B$/);
  });

  it("a fresh Executor's first listTasks() shows the CPU already used, not 0", async () => {
    const { folder } = await busyTask();
    const row = await waitUntil(async () => {
      const [busy] = await cli.kit.open(folder).listTasks();
      return busy && busy.cpu !== null && busy.cpu > BUSY_CPU_PERCENT ? busy : null;
    }, { what: `a first listTasks() to show > ${BUSY_CPU_PERCENT} % CPU`, intervalMs: POLL_MS });
    expect(row.rss).toBeGreaterThan(HOG_MB * MIB);
  });
});
