// Moving tasks in and out of a cluster: `importFolder` copies a folder's task table (and its finished runs) into a
// cluster, `exportCluster` writes a cluster's back to a folder. Each side is a TaskStore (FolderStore, PgStore): every
// record is read from one and written through the other's `mutateTask`, under the target's task lock, all of it under
// the target's relations lock. Everything that can refuse (names, existing tasks, relations) is decided first, so a
// refusal writes nothing. Tasks arrive stopped; secret values are kept again where the target's runs read them.
// Choices: docs/decisions.md ("Issue 17: cluster import and export").
import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ClusterError } from '../errors/cluster.js';
import { FolderError } from '../fs-errors.js';
import { FolderStore } from '../store/folder-store.js';
import { FOLDER_LAYOUT } from '../store/layout.js';
import { formatLogLine } from '../store/log.js';
import { META_FILE, openFolderMeta, randomExecutorId } from '../store/meta.js';
import { FORMAT_VERSION, type RunRecord, type TaskRecord, type TaskSpec } from '../store/records.js';
import type { TaskStore, TaskTable } from '../store/store.js';
import { keepSecrets, type SecretsSwitched } from '../task/secrets.js';
import { newSecretsRef } from '../task/secrets-store.js';
import { Db } from './db.js';
import { PgStore } from './pg-store.js';
import { fileTail } from './run-tail.js';
import { checkTransfer, type CheckedTransfer, type TransferOptions, type TransferReport, type TransferRow } from './transfer-options.js';
import { arrivingState, endedRuns, pickRecords, planTransfer, type PlanItem } from './transfer-plan.js';
import { sharedCopy, sourceSecrets, type SourceSecrets } from './transfer-secrets.js';

export type { ExistingPolicy, TransferOptions, TransferReport, TransferRow } from './transfer-options.js';
export { TRANSFER_OPTIONS } from './transfer-options.js';

/** One end of a transfer. */
interface End {
  store: TaskStore;
  /** The folder secret values are kept after: the folder's own, or in a cluster this host's folder (null: unknown). */
  folder: string | null;
  /** Its executor id (a cluster's is the cluster's). */
  id: string;
  /** A folder path, or the cluster URL without its password. */
  label: string;
}

/** The target end: its folder is known (its secret values are kept after it). */
interface Target extends End {
  folder: string;
}

/** A planned task with what it takes along. */
interface Prepared {
  item: PlanItem;
  secrets: SourceSecrets;
  runs: RunRecord[];
}

/** How one direction differs. */
interface Direction {
  /** The target's table for a dry run (a cluster that does not exist yet has none). */
  dryTable: () => Promise<TaskTable>;
  /** Called once, just before the first write (a new folder gets its identity). */
  beforeWrite: () => void;
  /** A run as written in the target. */
  runIn: (run: RunRecord) => RunRecord;
  /** Called once a run is written in the target. */
  runWritten: (run: RunRecord) => Promise<void>;
  /** The log line written in the target once done. */
  logLine: (count: number) => string;
}

const EMPTY: TaskTable = { records: new Map(), errors: new Map() };
/** How many tasks' runs and secret values are read at once. */
const READ_CONCURRENCY = 8;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

// True when the cluster's schema exists (its version table): read-only, so a dry run or an export creates nothing.
async function hasSchema(db: Db): Promise<boolean> {
  const rows = await db.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`"${db.config.schema}"."version"`]);
  return rows[0]?.present === true;
}

const plural = (n: number): string => `${n} task${n === 1 ? '' : 's'}`;

// What each planned task takes along: its secret values (found on the source side) and its finished runs.
function prepare(o: CheckedTransfer, source: End, target: Target, items: PlanItem[]): Promise<Prepared[]> {
  return mapLimit(items, READ_CONCURRENCY, async (item): Promise<Prepared> => {
    if (item.action === 'skip') return { item, secrets: { state: 'none' }, runs: [] };
    const secrets = sourceSecrets({ folder: source.folder, id: source.id, store: source.store }, item.record.task, target.folder);
    const runs = o.runs ? endedRuns(await source.store.listRuns(item.record.task.name)) : [];
    return { item, secrets, runs };
  });
}

// The row of a planned task (as written, or as a dry run would write it).
function rowOf(p: Prepared, result: TransferRow['result'] = p.item.action === 'copy' ? 'copied' : p.item.action === 'replace' ? 'replaced' : 'skipped'): TransferRow {
  const skipped = result === 'skipped';
  return {
    name: p.item.record.task.name, result, reason: skipped ? 'already there' : null, was: p.item.record.state.status,
    runs: skipped ? 0 : p.runs.length, secrets: skipped ? 'none' : p.secrets.state === 'found' ? 'kept' : p.secrets.state,
    missingSecrets: !skipped && p.secrets.state === 'missing' ? p.secrets.names : [],
  };
}

// The definition as written in the target: its secret values kept where the target's runs read them (a new
// generation), or the record's own copy when the target already looks there; found nowhere, it goes without a ref.
async function specInTarget(target: Target, p: Prepared): Promise<{ spec: TaskSpec; kept?: SecretsSwitched }> {
  const { task } = p.item.record;
  const { secretsRef: _ref, ...bare } = task;
  const found = p.secrets;
  if (found.state !== 'found') return { spec: bare };
  if (sharedCopy(found.file, target.folder, target.id, task.name)) return { spec: task };
  const ref = newSecretsRef();
  const kept = await keepSecrets({ folder: target.folder, id: target.id, store: target.store }, task.name, { env: found.secrets.env, steps: found.secrets.steps, ref });
  return { spec: { ...bare, secretsRef: ref }, kept };
}

async function writeRun(target: Target, d: Direction, run: RunRecord): Promise<void> {
  const written = d.runIn(run);
  await target.store.writeRun(written);
  await d.runWritten(written);
}

// Keeps an imported run's output tail in its cluster row (as a run that ends in the cluster does), so it can be read
// from any host. Its output file is named in its ledger record, relative to the folder; a name that is not a plain
// file name (a hand-edited ledger) is passed over, as `readOut` passes it over.
async function keepTail(db: Db, folder: string, run: RunRecord): Promise<void> {
  if (!/^[\w.-]+$/.test(run.outputFile) || run.outputFile.startsWith('.')) return;
  const tail = fileTail(join(folder, run.outputFile));
  if (tail === null) return;
  await db.query(`UPDATE ${db.table('runs')} SET tail = $3, tail_whole = $4 WHERE task = $1 AND run_id = $2`, [run.task, run.runId, tail.text, tail.whole]);
}

// Writes one task under the target's lock (its runs with it); a task that appeared there meanwhile is left alone.
async function writeOne(target: Target, p: Prepared, d: Direction): Promise<TransferRow> {
  if (p.item.action === 'skip') return rowOf(p);
  const { record } = p.item;
  let kept: SecretsSwitched | undefined;
  const result = await target.store.mutateTask<TransferRow['result']>(record.task.name, async (current) => {
    if (current !== null && p.item.action !== 'replace') return { record: null, result: 'skipped' };
    const made = await specInTarget(target, p);
    kept = made.kept;
    const next: TaskRecord = { formatVersion: FORMAT_VERSION, rev: current?.rev ?? 0, updatedAt: '', task: made.spec, state: arrivingState(record.state, current, made.spec, Date.now()) };
    return { record: next, result: current ? 'replaced' : 'copied', sideWrites: p.runs.map((run) => writeRun(target, d, run)) };
  }, { corrupt: p.item.action === 'replace' ? 'absent' : 'throw' });
  await kept?.settled;
  return rowOf(p, result);
}

async function transfer(o: CheckedTransfer, source: End, target: Target, records: TaskRecord[], d: Direction): Promise<TransferReport> {
  const report = (rows: TransferRow[]): TransferReport => ({ from: source.label, to: target.label, dryRun: o.dryRun, rows: rows.sort((a, b) => (a.name < b.name ? -1 : 1)) });
  if (o.dryRun) {
    const prepared = await prepare(o, source, target, planTransfer(records, await d.dryTable(), o.existing, target.label));
    return report(prepared.map((p) => rowOf(p)));
  }
  const rows = await target.store.withRelationsLock(async () => {
    const prepared = await prepare(o, source, target, planTransfer(records, await target.store.table({ full: true }), o.existing, target.label));
    if (prepared.some((p) => p.item.action !== 'skip')) d.beforeWrite();
    const out: TransferRow[] = [];
    for (const p of prepared) out.push(await writeOne(target, p, d));
    return out;
  });
  await target.store.appendLog(formatLogLine(d.logLine(rows.filter((r) => r.result !== 'skipped').length)));
  await target.store.flushLog();
  return report(rows);
}

/**
 * Copies a folder's tasks into a cluster (`executor cluster import`): every task (or `tasks`), with its finished runs,
 * each written under the cluster's task lock. A task of the same name already in the cluster is refused
 * (`TaskExistsError`, nothing written) unless `existing: 'replace'` or `'skip'`. Tasks arrive stopped (a freshly
 * added task's state, `enabled` kept): live runs stay in the folder. Secret env values are kept again for the
 * cluster on this host's `folder`; a new cluster takes the folder's id. The folder is left as it was.
 * @example `const { rows } = await importFolder('/srv/jobs', { cluster: 'postgres://executor@db/jobs' })`
 */
export async function importFolder(folder: string, options: TransferOptions): Promise<TransferReport> {
  const o = checkTransfer(folder, options);
  const dir = resolve(folder);
  if (!existsSync(join(dir, META_FILE))) throw new FolderError(dir, `no ${META_FILE}: no executor folder to import from`);
  const meta = openFolderMeta(dir, undefined);
  const local = new FolderStore(dir, () => undefined);
  const records = pickRecords(await local.table({ full: true }), o.tasks);
  const db = new Db(o.config);
  let clusterId = meta.id;
  const cluster = new PgStore(db, local, { given: null, proposed: meta.id, onId: (id) => { clusterId = id; } });
  try {
    const exists = await hasSchema(db);
    if (exists || !o.dryRun) await cluster.open(); // a dry run creates no schema
    const source: End = { store: local, folder: dir, id: meta.id, label: dir };
    const target: Target = { store: cluster, folder: dir, id: clusterId, label: o.label };
    return await transfer(o, source, target, records, {
      dryTable: () => (exists ? cluster.table({ full: true }) : Promise.resolve(EMPTY)),
      beforeWrite: () => undefined,
      runIn: (run) => ({ ...run, host: run.host ?? o.config.host }), // its output stays in this folder, on this host
      runWritten: (run) => keepTail(db, dir, run),
      logLine: (n) => `Copied ${plural(n)} from folder ${dir} into cluster ${o.label} (host ${o.config.host})`,
    });
  } finally {
    await cluster.close();
  }
}

// After an export that wrote nothing: the folder made for it goes, or the sub-folders made in an empty one.
function discardFresh(dir: string, created: boolean): void {
  if (created) return rmSync(dir, { recursive: true, force: true });
  for (const sub of [FOLDER_LAYOUT.tasks, FOLDER_LAYOUT.runs, FOLDER_LAYOUT.locks]) {
    try { rmdirSync(join(dir, sub)); } catch { /* not empty, or not there */ }
  }
}

/**
 * Writes a cluster's tasks to a folder (`executor cluster export`): every task (or `tasks`), with its finished runs,
 * each under the folder's task lock. A task of the same name already in the folder is refused (`TaskExistsError`,
 * nothing written) unless `existing: 'replace'` or `'skip'`. Tasks arrive stopped, `enabled` kept. A new folder takes
 * the cluster's id. Secret values are looked for in this machine's secrets stores (kept by any folder of the
 * cluster's hosts here); those found nowhere are reported (`secrets: 'missing'`). The cluster is left as it was.
 * @example `await exportCluster('/srv/jobs-back', { cluster: 'postgres://executor@db/jobs', existing: 'skip' })`
 */
export async function exportCluster(folder: string, options: TransferOptions): Promise<TransferReport> {
  const o = checkTransfer(folder, options);
  const dir = resolve(folder);
  const db = new Db(o.config);
  let local: FolderStore | null = null;
  const created = !existsSync(dir);
  const fresh = !existsSync(join(dir, META_FILE));
  let wrote = false;
  try {
    if (!(await hasSchema(db))) throw new ClusterError(o.label, `no executor tables in schema ${JSON.stringify(o.config.schema)} (nothing was ever stored there: check the URL's ?schema=)`);
    local = new FolderStore(dir, () => undefined);
    let clusterId = '';
    const cluster = new PgStore(db, local, { given: null, proposed: randomExecutorId(), onId: (id) => { clusterId = id; } });
    await cluster.open();
    const records = pickRecords(await cluster.table({ full: true }), o.tasks);
    const id = fresh ? clusterId : openFolderMeta(dir, undefined).id;
    const source: End = { store: cluster, folder: null, id: clusterId, label: o.label };
    const target: Target = { store: local, folder: dir, id, label: dir };
    return await transfer(o, source, target, records, {
      dryTable: () => (fresh ? Promise.resolve(EMPTY) : local!.table({ full: true })),
      beforeWrite: () => { wrote = true; if (fresh) openFolderMeta(dir, clusterId); },
      runIn: (run) => run,
      runWritten: () => Promise.resolve(),
      logLine: (n) => `Copied ${plural(n)} from cluster ${o.label} into folder ${dir}`,
    });
  } finally {
    await db.end();
    if (fresh && !wrote && local !== null) discardFresh(dir, created);
  }
}
