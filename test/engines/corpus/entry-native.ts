/** A corpus script on the engine's own WebAssembly: what the host runs for the expected results. */
import './host.js'; // first: what the engine's runner may lack (Hermes), which modules below use as they load
import { runCorpus } from './entry.js';

runCorpus(null, () => -1);
