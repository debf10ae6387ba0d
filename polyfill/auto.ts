/**
 * `wasm-kiln/polyfill/auto`: installs the polyfill's `WebAssembly` (default
 * options) as `globalThis.WebAssembly` where the engine has none (e.g.
 * `node --jitless`, iOS lockdown mode); an existing one is left alone.
 */
import { WebAssembly } from './index.js';

if (typeof (globalThis as any).WebAssembly === 'undefined') (globalThis as any).WebAssembly = WebAssembly;
