/** A corpus script on Kiln's output compiled ahead of time (`createWebAssembly` over the precompiled modules). */
import './host.js'; // first: what the engine's runner may lack (Hermes), which modules below use as they load
import * as runtime from '../../../runtime/index.js';
import { createWebAssembly, type PrecompiledModule } from '../../../runtime/webassembly.js';
import { corpus, runCorpus } from './entry.js';

let instances = 0;
runCorpus(() => createWebAssembly(corpus.modules.map((f) => {
  const module = { exports: {} as PrecompiledModule };
  f(module, module.exports, (id) => {
    if (id !== 'wasm-kiln/runtime') throw new Error(`corpus: a module requires ${id}`);
    return runtime;
  });
  const m = module.exports;
  return { ...m, instantiate: (imports?: unknown, options?: unknown) => (instances++, m.instantiate(imports, options)) };
})), () => instances);
