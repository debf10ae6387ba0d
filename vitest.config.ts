import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds dist/runtime-inline.js so compiled modules always embed the current runtime.
    globalSetup: ['test/setup.ts'],
    testTimeout: 60_000,
  },
});
