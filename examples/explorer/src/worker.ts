/**
 * The explorer's compile worker: decodes and validates the dropped module
 * (posting the function list at once, or the CompileError with its byte
 * offset), then compiles it with a source map, posting the JS in pieces as
 * functions are printed (compile option `onOutput`) so the page shows the
 * first functions long before a large module is done, and finally the
 * map's mappings per line. The page stays responsive throughout.
 */
import { decodeAndValidate, setRuntimeSource, CompileError } from '../../../compiler/index.js';
import { emitModule } from '../../../compiler/emit/module.js';
import { readNames } from '../../../compiler/decode/names.js';
import { decodeMappings } from './jsmap.js';
import type { CompileRequest, FuncInfo, WorkerMessage } from './messages.js';

/** The inline runtime's texts, put in by the build (scripts/build-explorer.mjs) from dist/runtime-inline.js. */
declare const KILN_RUNTIME_SOURCES: { es2020: string; hermes: string };
setRuntimeSource(KILN_RUNTIME_SOURCES);

/** The worker's global scope, as far as it is used here. */
const scope = self as unknown as {
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<CompileRequest>) => void) | null;
};

/** Posts batched output at most every `BATCH_MS`, the first piece at once. */
const BATCH_MS = 100;

function run({ bytes: buffer, options }: CompileRequest): void {
  const bytes = new Uint8Array(buffer);
  const t0 = performance.now();
  const m = decodeAndValidate(bytes);
  const names = readNames(m);
  const funcs: FuncInfo[] = [];
  for (let i = 0; i < m.funcTypes.length; i++) {
    const k = i - m.numImportedFuncs;
    funcs.push({ index: i, name: names.funcs.get(i), start: k < 0 ? -1 : m.bodyStart[k], end: k < 0 ? -1 : m.bodyEnd[k] });
  }
  scope.postMessage({ type: 'module', funcs, ms: performance.now() - t0 });
  const total = m.funcTypes.length - m.numImportedFuncs;
  let pending: string[] = [];
  let pieces = 0;
  let last = -Infinity;
  const post = () => {
    // The first piece is the header and runtime; each later one a function.
    scope.postMessage({ type: 'chunk', text: pending.join(''), done: Math.min(Math.max(pieces - 1, 0), total), total });
    pending = [];
    last = performance.now();
  };
  // emitModule is what compile() runs after validating, which was just done.
  const out: { map?: string } = {};
  emitModule(m, {
    ...options,
    headers: true, // the function list finds each function's JS by its header comment (panes.ts)
    shortNames: false, // locals named after the wasm (`l3`), for reading
    sourceMap: true,
    inputSourceMap: false,
    onOutput(text) {
      pending.push(text);
      pieces++;
      if (pieces >= 2 && performance.now() - last >= BATCH_MS) post();
    },
  }, out);
  if (pending.length > 0) post();
  const map = decodeMappings((JSON.parse(out.map!) as { mappings: string }).mappings);
  scope.postMessage({ type: 'done', map, ms: performance.now() - t0 }, [map.lineStart.buffer, map.col.buffer, map.offset.buffer]);
}

scope.onmessage = (e) => {
  try {
    run(e.data);
  } catch (err) {
    if (err instanceof CompileError) {
      scope.postMessage({ type: 'error', message: err.message, offset: err.offset, funcIndex: err.funcIndex });
    } else scope.postMessage({ type: 'error', message: String((err as Error)?.stack ?? err) });
  }
};
