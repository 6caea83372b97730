// Issue 17 through the CLI: `executor supervise --cluster URL --host NAME` registers its host, `executor hosts` lists
// it (and --json gives the rows), EXECUTOR_CLUSTER works for every command, and `hosts` without a cluster is a usage
// error.
import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { newCluster } from './kit.js';

const kit = useExecutors();

describe('cluster: the CLI', () => {
  it('supervise --host registers the host; hosts lists it; EXECUTOR_CLUSTER serves add and ls', async () => {
    const cluster = newCluster('cli');
    const folder = kit.tmpDir();
    const env = { EXECUTOR_CLUSTER: cluster };
    const added = await runCli(['add', 'hello', fixture('hello.sh'), '--interpreter', 'sh', '--once'], { folder, env });
    expect(added.exitCode).toBe(0);
    const supervisor = spawnCli(['supervise', '--host', 'cli-host', '--lease-time', '2s', '--sleep', '1'], { folder, env });
    try {
      await supervisor.line((l) => /Supervising/.test(l));
      const json = await runCli(['hosts', '--json'], { folder: kit.tmpDir(), env });
      expect(json.exitCode).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject([{ host: 'cli-host', alive: true, pid: supervisor.child.pid, capacity: null, labels: {}, tasks: [] }]);
      const table = await runCli(['hosts'], { folder: kit.tmpDir(), env });
      expect(table.stdout).toMatch(/^HOST\s+ALIVE\s+PID\s+HEARTBEAT\s+CAPACITY\s+LABELS\s+TASKS\ncli-host\s+yes\s+\d+/);
      const ls = await runCli(['ls', '--json'], { folder: kit.tmpDir(), env }); // another host's folder: the same table
      expect(JSON.parse(ls.stdout).map((r: { name: string }) => r.name)).toEqual(['hello']);
    } finally {
      supervisor.child.kill('SIGTERM');
      await supervisor.exited;
    }
  });

  it('add --on-host / --needs-label restrict where a task runs: with no live host matching, it waits, saying why', async () => {
    const cluster = newCluster('cliplace');
    const folder = kit.tmpDir();
    const env = { EXECUTOR_CLUSTER: cluster };
    const supervisor = spawnCli(['supervise', '--host', 'cli-host', '--label', 'gpu=false', '--lease-time', '2s', '--sleep', '1'], { folder, env });
    try {
      await supervisor.line((l) => /Supervising/.test(l));
      for (const args of [['pinned', '--on-host', 'elsewhere'], ['train', '--needs-label', 'gpu=true']]) {
        const added = await runCli(['add', args[0]!, fixture('loop.js'), ...args.slice(1)], { folder, env });
        expect(added.exitCode).toBe(0);
        const started = await runCli(['start', args[0]!], { folder, env });
        expect(started.exitCode).toBe(0);
      }
      const ls = JSON.parse((await runCli(['ls', '--json'], { folder, env })).stdout) as { name: string; status: string; waiting: string }[];
      expect(ls.map((r) => [r.name, r.status, r.waiting])).toEqual([['pinned', 'waiting', 'no live host matches'], ['train', 'waiting', 'no live host matches']]);
      const bad = await runCli(['add', 'x', fixture('loop.js'), '--needs-label', 'gpu'], { folder, env });
      expect(bad.exitCode).toBe(2);
      expect(bad.stderr).toMatch(/key=value/);
    } finally {
      supervisor.child.kill('SIGTERM');
      await supervisor.exited;
    }
  });

  it('hosts without a cluster is a usage error (exit 2)', async () => {
    const result = await runCli(['hosts'], { folder: kit.tmpDir(), env: { EXECUTOR_CLUSTER: '' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/ERR_USAGE.*--cluster/);
  });
});
