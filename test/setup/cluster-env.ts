// Setup file of the `cluster` test project (each test file's worker): exports the test PostgreSQL's URL
// (test/setup/cluster.ts) as `EXECUTOR_TEST_CLUSTER`, so the fixtures and drivers the tests spawn open their folders
// on the cluster too (test/fixtures/cluster-options.mjs), as the Executors of test/helpers/executor.ts do.
import { afterAll, inject } from 'vitest';
import { TEST_CLUSTER_ENV } from '../fixtures/cluster-options.mjs';

process.env[TEST_CLUSTER_ENV] = inject('clusterUrl');
afterAll(() => {
  delete process.env[TEST_CLUSTER_ENV]; // a worker reused by the folder project must not see it
});
