// `hosts`: the cluster's hosts (cluster mode: --cluster or $EXECUTOR_CLUSTER), alive or not, with their tasks.
import type { Command } from 'commander';
import type { HostRow } from '../../cluster/hosts.js';
import { formatWhen } from '../../display/format.js';
import { renderGrid } from '../../display/grid.js';
import type { CliContext } from '../context.js';
import { CliUsageError } from '../errors.js';

const HEADERS = ['HOST', 'ALIVE', 'PID', 'HEARTBEAT', 'CAPACITY', 'LABELS', 'TASKS'].map((text) => ({ text }));

// One host as grid cells.
function hostCells(ctx: CliContext, row: HostRow, now: number): { text: string; paint?: (s: string) => string }[] {
  const labels = Object.entries(row.labels).map(([k, v]) => `${k}=${String(v)}`).join(',');
  return [
    { text: row.host },
    { text: row.alive ? 'yes' : 'no', paint: row.alive ? ctx.paint.green : ctx.paint.red },
    { text: String(row.pid) },
    { text: formatWhen(row.heartbeatAt, now) },
    { text: row.capacity === null ? '-' : String(row.capacity) },
    { text: labels === '' ? '-' : labels },
    { text: row.tasks.length === 0 ? '-' : row.tasks.join(', ') },
  ];
}

/** Registers `hosts`. */
export function registerHosts(program: Command, ctx: CliContext): void {
  program.command('hosts')
    .description('list the cluster\'s hosts: alive or not, heartbeat, capacity, labels and tasks (cluster mode)')
    .option('--json', 'print the rows as JSON')
    .addHelpText('after', '\nExamples:\n  $ executor hosts --cluster postgres://db/jobs\n  $ EXECUTOR_CLUSTER=postgres://db/jobs executor hosts --json')
    .action(async (flags: { json?: boolean }) => {
      if (ctx.cluster === undefined) throw new CliUsageError('--cluster', 'a PostgreSQL URL (or $EXECUTOR_CLUSTER): hosts exist in cluster mode only', undefined);
      const rows = await ctx.executor().listHosts();
      if (flags.json) return ctx.json(rows);
      if (rows.length === 0) return ctx.err('No host has supervised this cluster yet.');
      const now = Date.now();
      ctx.out(renderGrid(HEADERS, rows.map((row) => hostCells(ctx, row, now))));
    });
}
