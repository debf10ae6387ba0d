/**
 * `compile` as tests that read the emitted JS call it: the lowering's own
 * names (`l3` for wasm local 3, `t0` a temporary, `fr$` a frame) unless a
 * test asks otherwise, not the default output's short ones
 * (compiler/emit/short-names.ts; test/short-names.test.ts checks those).
 */
import { compile as compileModule, type CompileOptions, type CompileResult } from '../../compiler/index.js';

export function compile(bytes: Uint8Array, options: CompileOptions = {}): CompileResult {
  return compileModule(bytes, { shortNames: false, ...options });
}
