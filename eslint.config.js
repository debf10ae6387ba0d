// ESLint (flat config) for `npm run lint`, which .ci/run calls. It lints the
// TypeScript of compiler/, runtime/, bundler/, test/ and the explorer page
// (examples/explorer/src/); generated output, the other examples, scripts and
// test fixtures are not ours to lint.
// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', 'examples/*', '!examples/explorer', 'examples/explorer/*', '!examples/explorer/src', 'scripts/**', 'bin/**', 'test/glue/**', 'test/fixtures/**'] },
  {
    files: ['compiler/**/*.ts', 'runtime/**/*.ts', 'bundler/**/*.ts', 'polyfill/**/*.ts', 'test/**/*.ts', 'examples/explorer/src/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    plugins: { 'import-x': importX },
    settings: {
      // no-cycle follows imports through the TypeScript sources (`./x.js` specifiers name `./x.ts`).
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ alwaysTryTypes: true })],
    },
    rules: {
      // No import cycles, however long. `import type` edges are not followed: they are
      // erased at compile time, so they cannot make modules evaluate out of order.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      // A file a newcomer can read in a sitting. Every line counts, blank and comment lines
      // included, so the limit is what `wc -l` shows.
      'max-lines': ['error', { max: 600, skipBlankLines: false, skipComments: false }],
      // A function readable on about two screens: 120 lines of code. Blank lines and comments
      // do not count, so documenting a function never pushes it over. ESLint measures the
      // whole text of a function, nested functions included: a factory that closes over
      // shared state counts its helpers, so such helpers belong at module level or in a class.
      // A longer function needs a split by concern, or a disable comment saying why not.
      'max-lines-per-function': ['error', { max: 120, skipBlankLines: true, skipComments: true, IIFEs: true }],
      // No unused code: variables, parameters after the last used one, imports, caught errors.
      // A leading `_` marks a parameter kept for its position (a callback's signature).
      '@typescript-eslint/no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'all' }],
      // `any` is deliberate where values cross the JS boundary untyped: the ESTree nodes the
      // lowering builds (compiler/lower/ast.ts), the internal-ABI functions and host values
      // of the runtime, and the JS API objects tests poke at. Typing those is its own project.
      '@typescript-eslint/no-explicit-any': 'off',
      // A variable a closure reads before its single assignment (`let exports; ... exports = x`) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    // Tests: a `describe` or `it` callback is a list of independent cases and is as long as
    // the cases it holds, so the function-length limit does not apply to test/. Files keep
    // the 600-line limit.
    files: ['test/**/*.ts'],
    rules: {
      'max-lines-per-function': 'off',
    },
  },
);
