import { defineConfig } from 'vitest/config';

// npm run e2e: the rendered data plane on real Kafka, Connect, Debezium and PostgreSQL. One file at
// a time (each starts its own cluster on 2 cores); every wait inside is bounded by the harness.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 10 * 60_000,
    hookTimeout: 10 * 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
