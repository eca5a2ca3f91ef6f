import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Tests spawn the compiled CLI (lib/, built by `npm test` before vitest runs).
    testTimeout: 60_000,
    pool: 'forks',
  },
});
