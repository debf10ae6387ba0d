/** Messages between the explorer page (main.ts) and its compile worker (worker.ts). */
import type { LineMappings } from './jsmap.js';

/** Page -> worker: compile these bytes. */
export interface CompileRequest {
  bytes: ArrayBuffer;
  /** Compile options the page offers. */
  options: { pretty: boolean; target: 'hermes' | 'es2020' };
}

/** A function of the module: index, name-section name, body range (defined functions). */
export interface FuncInfo {
  index: number;
  name?: string;
  /** Body [start, end) in the module; -1 for an import. */
  start: number;
  end: number;
}

/** Worker -> page. */
export type WorkerMessage =
  /** Decoded and valid: the function list, before any JS. */
  | { type: 'module'; funcs: FuncInfo[]; ms: number }
  /** A CompileError (or another failure, without offset). */
  | { type: 'error'; message: string; offset?: number; funcIndex?: number }
  /** The next piece of the JS; `done` of `total` functions printed so far. */
  | { type: 'chunk'; text: string; done: number; total: number }
  /** Finished: the source map's mappings per line, and the compile time. */
  | { type: 'done'; map: LineMappings; ms: number };
