// Issue 17, the database restarted (or a connection cut) while a task lock is held: the lock went with its session,
// so the holder's later statements fail instead of writing without it (they run on the lock's own connection).
import { afterEach, describe, expect, it } from 'vitest';
import { Db } from '../../src/cluster/db.js';
import { checkClusterOptions } from '../../src/cluster/options.js';
import { ClusterError } from '../../src/errors/cluster.js';
import { clusterUrl } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { newCluster } from './kit.js';

const dbs: Db[] = [];
afterEach(async () => { for (const db of dbs.splice(0)) await db.end(); });

function openDb(cluster: string, host: string): Db {
  const db = new Db(checkClusterOptions({ cluster, host })!);
  dbs.push(db);
  return db;
}

describe('cluster: a task lock whose session ends', () => {
  it('fails the holder\'s later statements; another process takes the lock; the Db works again once the holder is done', async () => {
    const cluster = newCluster('locklost');
    const host = `locker-${process.pid}`;
    const holder = openDb(cluster, host);
    const other = openDb(cluster, `other-${process.pid}`);
    const result = await holder.withTaskLock('job', async () => {
      expect(await holder.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      const ended = psql(clusterUrl()!, `SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'executor-sdk ${host} %'`);
      expect(ended).toBe('1');
      expect(await other.withTaskLock('job', async () => 'taken')).toBe('taken');
      const error = await holder.query('SELECT 1').then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterError);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await holder.query<{ two: number }>('SELECT 2 AS two')).toEqual([{ two: 2 }]);
    expect(await holder.withTaskLock('job', () => holder.query<{ three: number }>('SELECT 3 AS three'))).toEqual([{ three: 3 }]);
  });
});
