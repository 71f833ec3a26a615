// Lint for the whole project: typescript-eslint's recommended rules, plus the project's own few.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/vendor/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a value left unused on purpose (a destructured key dropped, a handler's spare argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    // The library logs through its logger; only the CLI, benches and tests write to the console.
    files: ['host/src/**/*.ts', 'protocol/src/**/*.ts'],
    ignores: ['host/src/cli/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // Tests match protocol bytes (Ctrl-A, Ctrl-D) in what a board printed.
    files: ['test/**/*.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['web/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['host/src/sim/board/**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);
