// `cluster import` / `cluster export`: copy the folder's tasks into the cluster (--cluster or $EXECUTOR_CLUSTER), or the
// cluster's back to the folder (cluster/transfer.ts). One summary line on stdout (or --json rows), warnings on stderr.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { TransferOptions, TransferReport, TransferRow } from '../../cluster/transfer.js';
import { META_FILE } from '../../store/meta.js';
import type { CliContext } from '../context.js';
import { CliUsageError, EXIT_FAILED, FolderNotFoundError } from '../errors.js';

interface Flags { replace?: boolean; skipExisting?: boolean; runs?: boolean; dryRun?: boolean; json?: boolean }
type Way = 'import' | 'export';

/** Statuses of a task that was running or scheduled where it came from. */
const LIVE: readonly TransferRow['was'][] = ['running', 'scheduled', 'backoff', 'waiting'];

const count = (n: number): string => `${n} task${n === 1 ? '' : 's'}`;

/**
 * The summary line: `Imported 12 tasks into <url> (2 skipped: already there)`.
 * @example `summaryOf('import', report) // 'Imported 3 tasks into postgres://db/jobs (1 replaced)'`
 */
export function summaryOf(way: Way, report: TransferReport): string {
  const { rows } = report;
  const of = (result: TransferRow['result']): number => rows.filter((r) => r.result === result).length;
  const written = of('copied') + of('replaced');
  const notes = [...(of('replaced') > 0 ? [`${of('replaced')} replaced`] : []), ...(of('skipped') > 0 ? [`${of('skipped')} skipped: already there`] : [])];
  const runs = rows.reduce((sum, r) => sum + r.runs, 0);
  const verb = report.dryRun ? (way === 'import' ? 'Would import' : 'Would export') : way === 'import' ? 'Imported' : 'Exported';
  const where = way === 'import' ? `into ${report.to}` : `to ${report.to}`;
  return `${verb} ${count(written)} ${where}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}${runs > 0 ? `, with ${runs} finished run${runs === 1 ? '' : 's'}` : ''}${report.dryRun ? '; nothing written (--dry-run)' : ''}`;
}

// Warnings: secret values found nowhere (exit 1), and tasks that still run where they came from.
function warn(ctx: CliContext, report: TransferReport): void {
  for (const row of report.rows.filter((r) => r.secrets === 'missing')) {
    ctx.warn(`${row.name}: the values of its secret env ${row.missingSecrets.join(', ')} were found nowhere on this machine: it went with them masked and will not start (ERR_ENV_FILE) until added again with them (add ... --replace)`);
    ctx.exitCode = EXIT_FAILED;
  }
  const live = report.rows.filter((r) => r.result !== 'skipped' && LIVE.includes(r.was)).map((r) => r.name);
  if (live.length > 0) {
    ctx.warn(`${count(live.length)} ${live.length === 1 ? 'was' : 'were'} running or scheduled in ${report.from} (${live.join(', ')}): copied stopped; stop ${live.length === 1 ? 'it' : 'them'} there before starting ${live.length === 1 ? 'it' : 'them'} in ${report.to}`);
  }
}

// One direction's action.
async function run(ctx: CliContext, way: Way, names: string[], flags: Flags): Promise<void> {
  const cluster = ctx.cluster;
  if (cluster === undefined) throw new CliUsageError('--cluster', `a PostgreSQL URL (or $EXECUTOR_CLUSTER) to ${way === 'import' ? 'import into' : 'export from'}`, undefined);
  if (flags.replace && flags.skipExisting) throw new CliUsageError('--replace', 'given without --skip-existing', '--skip-existing');
  if (way === 'import' && !existsSync(join(ctx.folder, META_FILE))) throw new FolderNotFoundError(ctx.folder);
  const options: TransferOptions = {
    cluster, ...(ctx.clusterOptions().host === undefined ? {} : { host: ctx.clusterOptions().host! }), ...(names.length > 0 ? { tasks: names } : {}),
    existing: flags.replace ? 'replace' : flags.skipExisting ? 'skip' : 'refuse', runs: flags.runs !== false, dryRun: flags.dryRun === true,
  };
  const { exportCluster, importFolder } = await import('../../cluster/transfer.js'); // pg and the transfer load only here
  const report = await (way === 'import' ? importFolder : exportCluster)(ctx.folder, options);
  if (flags.json) ctx.json(report.rows);
  else ctx.out(summaryOf(way, report));
  warn(ctx, report);
}

const ABOUT: Record<Way, string> = {
  import: 'copy the folder\'s tasks (and their finished runs) into the cluster',
  export: 'write the cluster\'s tasks (and their finished runs) to the folder',
};

/** Registers `cluster import` and `cluster export`. */
export function registerCluster(program: Command, ctx: CliContext): void {
  const cluster = program.command('cluster')
    .description('move tasks between the folder and the cluster (--cluster URL or $EXECUTOR_CLUSTER)')
    .addHelpText('after', '\nExamples:\n  $ executor --folder /srv/jobs --cluster postgres://executor@db/jobs cluster import\n  $ executor --folder /srv/back --cluster postgres://executor@db/jobs cluster export --dry-run');
  for (const way of ['import', 'export'] as const) {
    cluster.command(`${way} [names...]`)
      .description(`${ABOUT[way]}: every task, or those named; they arrive stopped`)
      .option('--replace', 'replace the definition of a task of the same name already there (its state is kept)')
      .option('--skip-existing', 'leave a task of the same name already there as it is')
      .option('--no-runs', 'copy the tasks without their finished runs')
      .option('--dry-run', 'check everything and print what would be done, writing nothing')
      .option('--json', 'print one row per task as JSON')
      .option('--host <name>', 'the host the copied runs are recorded on (default: $EXECUTOR_HOST, else the hostname)')
      .addHelpText('after', `\nExamples:\n  $ executor --folder /srv/jobs --cluster postgres://executor@db/jobs cluster ${way}\n  $ EXECUTOR_CLUSTER=postgres://db/jobs executor cluster ${way} api worker --skip-existing --json`)
      .action((names: string[], flags: Flags & { host?: string }) => {
        if (flags.host !== undefined) ctx.clusterFlags = { ...ctx.clusterFlags, host: flags.host };
        return run(ctx, way, names, flags);
      });
  }
}
