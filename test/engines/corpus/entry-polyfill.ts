/** A corpus script on Kiln's run-time compile mode (`wasm-kiln/polyfill`: the glue's own bytes compiled as it loads them). */
import './host.js'; // first: what the engine's runner may lack (Hermes), which modules below use as they load
import { createWebAssembly } from '../../../polyfill/index.js';
import { runCorpus } from './entry.js';

runCorpus(() => createWebAssembly(), () => -1);
