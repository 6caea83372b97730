import { defineConfig } from 'vitest/config';
import { T } from './test/helpers/time.js';

/**
 * Test files that also run in the `cluster` project: the Executor-level tests (through test/helpers/executor.ts),
 * with the task table in a real PostgreSQL (test/setup/cluster.ts).
 */
export const CLUSTER_TESTS = [
  'test/cluster/**/*.test.ts',
  ...(process.env.CLUSTER_TRY ?? '').split(',').filter(Boolean),
];

export default defineConfig({
  test: {
    testTimeout: T(30_000),
    hookTimeout: T(30_000),
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    allowOnly: false,
    projects: [
      { extends: true, test: { name: 'folder', include: ['test/**/*.test.ts'], exclude: ['test/cluster/**'] } },
      { extends: true, test: { name: 'cluster', include: CLUSTER_TESTS, globalSetup: ['test/setup/cluster.ts'], setupFiles: ['test/setup/cluster-env.ts'] } },
    ],
  },
});
