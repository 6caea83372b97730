// Issue 17, programs: the checkpoints kept in the cluster (src/cluster/checkpoints.ts) against the real database: one
// row per step of a run, replaced by each copy, refused from a host found dead (a host that thaws after its runs were
// taken over cannot overwrite their new host's copy), and dropped with the run.
import { afterEach, describe, expect, it } from 'vitest';
import { dropCheckpoints, readCheckpoints, saveCheckpoint } from '../../src/cluster/checkpoints.js';
import { Db } from '../../src/cluster/db.js';
import { checkClusterOptions } from '../../src/cluster/options.js';
import { clusterUrl, useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { newCluster } from './kit.js';

const kit = useExecutors();
const dbs: Db[] = [];
afterEach(async () => { for (const db of dbs.splice(0)) await db.end(); });

/** A Db on a fresh cluster whose schema is made (by an Executor's first call). */
async function freshDb(tag: string): Promise<{ db: Db; schema: string }> {
  const cluster = newCluster(tag);
  await kit.open(kit.tmpDir(), { cluster, host: 'maker' }).listTasks();
  const db = new Db(checkClusterOptions({ cluster, host: 'reader' })!);
  dbs.push(db);
  return { db, schema: db.config.schema };
}

describe('cluster: checkpoints', () => {
  it('keeps one copy per step of a run, replaced by each save, and drops a run\'s copies (others stay)', async () => {
    const { db } = await freshDb('ckpt');
    expect(await saveCheckpoint(db, 'etl', 'r1', 'load', '{"n":1}', 'host-a')).toBe(true);
    expect(await saveCheckpoint(db, 'etl', 'r1', 'load', '{"n":2}', 'host-a')).toBe(true);
    expect(await saveCheckpoint(db, 'etl', 'r1', 'extract', 'é ✓', 'host-a')).toBe(true);
    expect(await saveCheckpoint(db, 'etl', 'r2', 'load', '{"n":9}', 'host-b')).toBe(true);
    expect(await readCheckpoints(db, 'etl', 'r1')).toEqual([{ step: 'extract', state: 'é ✓' }, { step: 'load', state: '{"n":2}' }]);
    await dropCheckpoints(db, 'etl', 'r1');
    expect(await readCheckpoints(db, 'etl', 'r1')).toEqual([]);
    expect(await readCheckpoints(db, 'etl', 'r2')).toEqual([{ step: 'load', state: '{"n":9}' }]);
    await dropCheckpoints(db, 'etl', null);
    expect(await readCheckpoints(db, 'etl', 'r2')).toEqual([]);
  });

  it('refuses a copy from a host found dead, until that host registers again', async () => {
    const { db, schema } = await freshDb('ckptdown');
    expect(await saveCheckpoint(db, 'etl', 'r1', 'load', '{"n":5}', 'host-a')).toBe(true);
    psql(clusterUrl()!, `INSERT INTO "${schema}".hosts (host, pid, started_at, heartbeat_at, down_at) VALUES ('host-a', 1, now(), now() - interval '1 minute', now())`);
    expect(await saveCheckpoint(db, 'etl', 'r1', 'load', '{"n":3}', 'host-a')).toBe(false);
    expect(await saveCheckpoint(db, 'etl', 'r1', 'load', '{"n":6}', 'host-b')).toBe(true);
    expect(await readCheckpoints(db, 'etl', 'r1')).toEqual([{ step: 'load', state: '{"n":6}' }]);
    psql(clusterUrl()!, `UPDATE "${schema}".hosts SET down_at = NULL WHERE host = 'host-a'`);
    expect(await saveCheckpoint(db, 'etl', 'r1', 'load', '{"n":7}', 'host-a')).toBe(true);
  });
});
