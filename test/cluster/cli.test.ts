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

  it('hosts without a cluster is a usage error (exit 2)', async () => {
    const result = await runCli(['hosts'], { folder: kit.tmpDir(), env: { EXECUTOR_CLUSTER: '' } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/ERR_USAGE.*--cluster/);
  });
});
