// Issue 17, phase 1: the task table in PostgreSQL. One host with a cluster URL behaves like a folder; two folders on
// one cluster share one table; the schema is made on first use and a newer one is refused; bad options and an
// unreachable database are typed errors.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ClusterError, Executor, InvalidOptionError, SchemaVersionError } from '../../src/index.js';
import { clusterUrl, fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const url = (schema: string): string => `${clusterUrl()!}?schema=${schema}`;
let n = 0;
const schemaName = (): string => `s_store_${process.pid}_${n++}`;
const clients: pg.Client[] = [];
afterAll(async () => { for (const c of clients) await c.end(); });
async function sql(text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: clusterUrl() });
  clients.push(client);
  await client.connect();
  return (await client.query(text, params)).rows;
}

describe('cluster: the task table in PostgreSQL', () => {
  it('adds, starts, reads and stops a task like a folder, the record in the database and not in the folder', async () => {
    const { ex } = kit.make();
    const row = await ex.addTask('hello', fixture('hello.sh'), { interpreter: 'sh', infiniteLoop: false });
    expect(row).toMatchObject({ name: 'hello', status: 'idle' });
    expect(await ex.startTask('hello')).toMatchObject({ result: 'started' });
    const exit = await ex.waitFor('hello', 'succeeded', { timeout: T(10_000) });
    expect(exit).toBeTruthy();
    expect((await ex.readOut('hello', 5)).join('\n')).toMatch(/hello/);
    const runs = await ex.listRuns({ task: 'hello' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ task: 'hello', exitCode: 0 });
    expect(readdirSync(path.join(ex.folder, 'tasks'))).toEqual([]); // the record lives in the database
    expect(existsSync(path.join(ex.folder, 'runs', 'hello', `${runs[0]!.runId}.json`))).toBe(false); // so does the ledger
  });

  it('shares one table between two folders on one cluster (two hosts)', async () => {
    const schema = schemaName();
    const a = kit.open(path.join(kit.tmpDir(), 'a'), { cluster: url(schema), host: 'host-a' });
    const b = kit.open(path.join(kit.tmpDir(), 'b'), { cluster: url(schema), host: 'host-b' });
    await a.addTask('shared', fixture('hello.sh'), { interpreter: 'sh', infiniteLoop: false });
    expect((await b.listTasks()).map((r) => r.name)).toEqual(['shared']);
    expect(a.id).toBe(b.id);
    const records = await sql(`SELECT name FROM "${schema}".tasks`);
    expect(records.map((r) => r.name)).toEqual(['shared']);
    const lines = await sql(`SELECT host, line FROM "${schema}".log ORDER BY seq`);
    expect(lines.some((l) => l.host === 'host-a' && /Adding shared/.test(String(l.line)))).toBe(true);
  });

  it('refuses a schema made by a newer executor-sdk, reading and writing nothing', async () => {
    const schema = schemaName();
    const ex = kit.open(kit.tmpDir(), { cluster: url(schema) });
    await ex.listTasks(); // made at version 1
    await sql(`UPDATE "${schema}".version SET version = 999`);
    const other = kit.open(kit.tmpDir(), { cluster: url(schema) });
    const error = await other.addTask('x', fixture('hello.sh'), { interpreter: 'sh' }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaVersionError);
    expect(error).toMatchObject({ code: 'ERR_SCHEMA_VERSION', found: 999 });
    expect(await sql(`SELECT name FROM "${schema}".tasks`)).toEqual([]);
  });

  it('validates cluster, host and leaseTime at construction', () => {
    const dir = kit.tmpDir();
    expect(() => new Executor(dir, { cluster: 'mysql://x/y' })).toThrow(InvalidOptionError);
    expect(() => new Executor(dir, { cluster: 42 as never })).toThrow(/Expected `cluster` to be a PostgreSQL URL/);
    expect(() => new Executor(dir, { cluster: `${clusterUrl()!}?schema=Bad-Name` })).toThrow(/schema/);
    expect(() => new Executor(dir, { cluster: clusterUrl()!, host: 'bad host' })).toThrow(/`host`/);
    expect(() => new Executor(dir, { cluster: clusterUrl()!, leaseTime: 500 })).toThrow(/at least 1 s/);
    expect(() => new Executor(dir, { cluster: clusterUrl()!, leaseTime: 'soon' })).toThrow(/leaseTime/);
    expect(() => new Executor(dir, { host: 'a' })).toThrow(/only with `cluster`/);
  });

  it('says which database could not be reached, without its password', async () => {
    const ex = kit.open(kit.tmpDir(), { cluster: 'postgres://me:secret@127.0.0.1:1/nothing' });
    const error = await ex.listTasks().then(() => null, (e: unknown) => e as ClusterError);
    expect(error).toBeInstanceOf(ClusterError);
    expect(error!.code).toBe('ERR_CLUSTER');
    expect(error!.message).toMatch(/postgres:\/\/me:\*\*\*@127\.0\.0\.1:1\/nothing/);
    expect(error!.message).not.toMatch(/secret/);
  });
});
