import { defineConfig } from 'vitest/config';

// Two projects: `unit` is pure and fast (lib/, parsers, fixtures); `lab` builds real network
// namespaces, needs root, and runs one file at a time because each file owns a whole lab.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['lib/**/*.test.ts', 'server/**/*.test.ts', 'components/**/*.test.ts', 'bench/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'lab',
          include: ['lab/**/*.test.ts', 'test/lab/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
