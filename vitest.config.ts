import { defineConfig } from 'vitest/config';

/**
 * Tests that change an engine for everyone on it (`docker buildx prune -af`) are named
 * `*.exclusive.itg.test.ts` and run alone, after every other file.
 */
const EXCLUSIVE = '__tests__/**/*.exclusive.itg.test.ts';
/**
 * `npm run test:unit` sets this: a project's own `exclude` replaces the CLI's `--exclude`, so the
 * integration tests are left out here rather than on the command line.
 */
const UNIT_ONLY = process.env.IMAGE_SIZE_GATE_UNIT_ONLY === '1';
const INTEGRATION = '__tests__/**/*.itg.test.ts';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['__tests__/**/*.test.ts'],
          exclude: UNIT_ONLY ? [EXCLUSIVE, INTEGRATION] : [EXCLUSIVE],
          // Integration tests share the engines; images are built in parallel inside a file.
          fileParallelism: true,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'exclusive',
          include: UNIT_ONLY ? [] : [EXCLUSIVE],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
