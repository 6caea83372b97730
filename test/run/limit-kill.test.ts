// Issue 16: a run killed by a kernel limit is recorded with killedFor 'limit' and the limit's name where it can be
// known (the run record, the exit event, the task's lastKill); a failure a limit may have caused but cannot be told
// from another is not put down to it.
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { limitKillOf } from '../../src/process/limit-cause.js';
import { nextEvent, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const SELF_SIGNAL = fileURLToPath(new URL('../fixtures/limits/self-signal.mjs', import.meta.url));

async function endOf(limits: Record<string, unknown> | null, how: string) {
  const { ex } = kit.make();
  await ex.addTask('job', SELF_SIGNAL, { args: [how], ...(limits ? { limits } : {}) });
  const exited = nextEvent(ex, 'exit');
  await ex.startTask('job');
  const event = await exited;
  const run = await ex.getRun(event.runId);
  const [row] = await ex.listTasks();
  const log = (await ex.readLog()).join('\n');
  return { event, run, row: row!, log };
}

describe('limitKillOf', () => {
  it('knows SIGXCPU, SIGXFSZ, a SIGKILL past the soft CPU limit, a memory death under a memory limit; never guesses the rest', () => {
    const killed = { exitCode: null, signal: 'SIGKILL' as const };
    expect(limitKillOf({ cpuSeconds: 2 }, { exitCode: null, signal: 'SIGXCPU' }, null)).toEqual({ limit: 'cpuSeconds' });
    expect(limitKillOf(null, { exitCode: null, signal: 'SIGXCPU' }, null)).toEqual({ limit: null });
    expect(limitKillOf({ memoryBytes: 1e9 }, { exitCode: null, signal: 'SIGXFSZ' }, null)).toEqual({ limit: null });
    expect(limitKillOf({ cpuSeconds: 2 }, killed, { ...killed, cpuMs: 2_700 })).toEqual({ limit: 'cpuSeconds' });
    expect(limitKillOf({ cpuSeconds: 2 }, killed, { ...killed, cpuMs: 300 })).toBeNull(); // OOM killer, kill -9
    expect(limitKillOf({ cpuSeconds: 2 }, killed, null)).toBeNull();
    expect(limitKillOf(null, killed, { ...killed, cpuMs: 9_000 })).toBeNull();
    expect(limitKillOf({ memoryBytes: 1e8, openFiles: 10, processes: 5 }, { exitCode: 1, signal: null }, null)).toBeNull();
    expect(limitKillOf({ memoryBytes: 1e8 }, { exitCode: null, signal: 'SIGABRT' }, null)).toEqual({ limit: 'memory' });
    expect(limitKillOf({ memoryBytes: 1e8 }, { exitCode: null, signal: 'SIGSEGV' }, null)).toEqual({ limit: 'memory' });
    expect(limitKillOf({ cpuSeconds: 2 }, { exitCode: null, signal: 'SIGSEGV' }, null)).toBeNull();
  });
});

describe('a run killed by a limit', () => {
  it('is recorded with killedFor limit and cpuSeconds on SIGXCPU: run record, exit event, lastKill, log', async () => {
    const { event, run, row, log } = await endOf({ cpuSeconds: 30 }, 'SIGXCPU');
    expect(event).toMatchObject({ name: 'job', signal: 'SIGXCPU', exitCode: null, killedFor: 'limit', limit: 'cpuSeconds', stopped: false });
    expect(run).toMatchObject({ status: 'failed', signal: 'SIGXCPU', killedFor: 'limit', limit: 'cpuSeconds' });
    expect(row).toMatchObject({ status: 'failed', lastKill: 'limit', lastSignal: 'SIGXCPU' });
    expect(log).toMatch(/Exited job .*by signal SIGXCPU.*\(over its cpuSeconds limit\)/);
  }, T(20_000));

  it('is a limit kill of no known limit when SIGXCPU comes from a limit the task does not set', async () => {
    const { event, run } = await endOf(null, 'SIGXCPU');
    expect(event).toMatchObject({ killedFor: 'limit', limit: null });
    expect(run).toMatchObject({ killedFor: 'limit', limit: null });
  }, T(20_000));

  it('is not guessed: a SIGKILL with little CPU used, or a failure under a memory limit, is no limit kill', async () => {
    const killed = await endOf({ cpuSeconds: 30 }, 'SIGKILL');
    expect(killed.event).toMatchObject({ signal: 'SIGKILL', killedFor: null, limit: null });
    expect(killed.run).toMatchObject({ killedFor: null, limit: null });
    expect(killed.row.lastKill).toBeNull();
    const failed = await endOf({ memory: '1 GB' }, '1');
    expect(failed.event).toMatchObject({ exitCode: 1, killedFor: null, limit: null });
  }, T(30_000));
});
