#!/usr/bin/env node
// The `kiln` command; the CLI is compiler/cli.ts, built into dist/ by `npm install` (prepare).
import('../dist/compiler/cli.js');
