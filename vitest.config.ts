import { defineConfig } from 'vitest/config';
import { T } from './test/helpers/time.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: T(30_000),
    hookTimeout: T(30_000),
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    allowOnly: false,
  },
});
