/**
 * The in-engine half of a corpus script (corpus-bundle.ts builds it; the
 * entry-*.ts files pick the namespace): installs the `WebAssembly` the script
 * was built for over the engine's own (deleted first, where there is one),
 * runs the package's workload through its unchanged glue, and prints one line:
 * `KILN-RESULT {"corpus", "mode", "results", "instances", "ms"}`, or
 * `KILN-ERROR message`.
 */
import './host.js';
import { WORKLOADS } from './workloads.js';

declare const print: ((s: string) => void) | undefined;

/** What the host puts in the script before the bundle (corpus-bundle.ts). */
export interface CorpusGlobal {
  name: string;
  mode: 'aot' | 'polyfill' | 'native';
  /** Kiln's output for each of the package's modules (CommonJS, `runtime: 'import'`), as functions. */
  modules: ((module: { exports: unknown }, exports: unknown, require: (id: string) => unknown) => void)[];
}

declare const __kilnCorpus: CorpusGlobal;
/** The script's own `var __kilnCorpus` (a free variable: a script's top-level `var` is global, a CommonJS module's is not). */
export const corpus = __kilnCorpus;

function out(line: string): void {
  if (typeof console === 'object' && console !== null && typeof console.log === 'function') console.log(line);
  else if (typeof print === 'function') print(line);
}

const failed = (e: unknown) => out('KILN-ERROR ' + String((e as Error | null)?.stack ?? e));

/**
 * Installs `make()` as `globalThis.WebAssembly` (null: keeps the engine's),
 * runs the workload, prints the result line. `instances()` counts the
 * instances Kiln made (-1 where it cannot tell).
 */
export function runCorpus(make: (() => unknown) | null, instances: () => number): void {
  const t0 = Date.now();
  const g = globalThis as { WebAssembly?: unknown };
  let ns: unknown;
  try {
    if (make !== null) {
      ns = make();
      delete g.WebAssembly;
      g.WebAssembly = ns;
    }
  } catch (e) {
    failed(e);
    return;
  }
  WORKLOADS[corpus.name]!().then((results) => {
    if (make !== null && g.WebAssembly !== ns) throw new Error('globalThis.WebAssembly was replaced while the workload ran');
    out('KILN-RESULT ' + JSON.stringify({ corpus: corpus.name, mode: corpus.mode, results, instances: instances(), ms: Date.now() - t0 }));
  }).catch(failed);
}
