import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // Integration tests share one Docker engine; images are built in parallel inside a file.
    fileParallelism: true,
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
