import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.next/**', 'next-env.d.ts', 'test-results/**', 'playwright-report/**', 'data/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Issue 9: only registered probes run. The raw exec is internal to server/exec; everything else calls
    // runProbe/startProbe (server/exec/probe.ts). Before the lib/ block so lib's own rule wins there.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['server/exec/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/exec/exec', '**/exec/stream', '**/server/exec/exec', '**/server/exec/stream'], message: 'run a registered probe through server/exec/probe.ts (runProbe/startProbe), not the raw exec' }] }],
    },
  },
  {
    // The house rule of DESIGN §1: lib/ is pure — no node built-ins, no server/ or lab/.
    files: ['lib/**/*.ts', 'lib/**/*.tsx'],
    ignores: ['lib/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['node:*', 'fs', 'child_process', 'net', 'os', 'path', '../server/*', '../lab/*', '../../server/*', '../../lab/*'] }],
    },
  },
  {
    files: ['bin/**/*.mjs', 'scripts/**/*.mjs', '*.js', '*.mjs', '*.cjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
