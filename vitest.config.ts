import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Integration tests start real brokers and spawn daemons; forks isolate native handles.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
