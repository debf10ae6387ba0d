/**
 * What a corpus script's host provides before any glue loads, where the
 * engine's command-line runner lacks it (Hermes 0.12; a React Native app has
 * both): UTF-8 `TextEncoder`/`TextDecoder` (../text-polyfill.ts) and a
 * `console` printing with the runner's `print` (Emscripten's glue logs
 * through `console`).
 */
import '../text-polyfill.js';

declare const print: ((s: string) => void) | undefined;

const g = globalThis as { console?: unknown };
if (typeof g.console !== 'object' && typeof print === 'function') {
  const p = print;
  const line = (...args: unknown[]) => p(args.map(String).join(' '));
  g.console = { log: line, info: line, warn: line, error: line, debug: line };
}
