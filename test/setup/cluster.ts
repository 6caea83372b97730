// Global setup of the `cluster` test project: one real PostgreSQL for the run; every Executor a test opens through
// test/helpers/executor.ts then keeps its task table there (one schema per test folder).
import type { TestProject } from 'vitest/node';
import { startPostgres } from '../helpers/postgres.js';

declare module 'vitest' {
  interface ProvidedContext {
    /** The test server's URL in the `cluster` project; absent in the folder project. */
    clusterUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const server = await startPostgres();
  project.provide('clusterUrl', server.url);
  return () => server.stop();
}
