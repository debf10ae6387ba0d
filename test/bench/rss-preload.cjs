/**
 * Preloaded (`node --require rss-preload.cjs tool.js ...`) into a tool's
 * process by `npm run bench` (run.ts) to learn its peak memory: on exit it
 * writes `{ "maxRSS": bytes }` to the file named by $KILN_BENCH_RSS_FILE.
 */
'use strict';
process.on('exit', () => {
  const file = process.env.KILN_BENCH_RSS_FILE;
  if (file) require('node:fs').writeFileSync(file, JSON.stringify({ maxRSS: process.resourceUsage().maxRSS * 1024 }));
});
