// Lint: typescript-eslint's recommended rules on the library, specs, examples and benchmarks.
// Pinned versions (package.json) and run in CI by `npm test`, so that a disable comment in
// the code refers to a rule that really runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'docs/api/**', 'spec/packaging/consumers/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      // Unused arguments are part of signatures (driver contract, callbacks); prefix with _ to mark them.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['spec/**', 'bench/**', 'examples/**'],
    rules: {
      // Tests reach into internals and build fakes; `any` is the honest type there.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
);
