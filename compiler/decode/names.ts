/**
 * The `name` custom section (spec 7.4 "Custom Sections: Name Section"),
 * parsed only when asked. Custom section contents are not validated by the
 * spec, so a malformed name section never fails: parsing stops at the first
 * problem and returns what was read before it.
 */
import { CompileError } from '../../runtime/errors.js';
import type { Module } from '../module.js';
import { Reader } from './reader.js';

/** Debug names: module name (subsection 0), function names (1), local names per function (2). */
export interface Names {
  module?: string;
  /** funcidx -> name. */
  funcs: Map<number, string>;
  /** funcidx -> (localidx -> name). */
  locals: Map<number, Map<number, string>>;
}

const cache = new WeakMap<Module, Names>();

/**
 * Names from the first custom section called `name`, parsed on first call and
 * cached per module (the same object is returned afterwards; do not mutate).
 * Subsections other than 0, 1, 2 are skipped. Never throws on malformed
 * contents: returns what was parsed up to the problem (empty maps when there
 * is no name section).
 */
export function readNames(module: Module): Names {
  let names = cache.get(module);
  if (names === undefined) {
    names = parseNames(module);
    cache.set(module, names);
  }
  return names;
}

function parseNames(module: Module): Names {
  const names: Names = { funcs: new Map(), locals: new Map() };
  const section = module.customs.find((c) => c.name === 'name');
  if (section === undefined) return names;
  const r = new Reader(module.bytes, section.start, section.end);
  try {
    while (!r.eof) {
      const id = r.u8();
      const size = r.u32();
      if (size > r.end - r.pos) break;
      const sub = new Reader(module.bytes, r.pos, r.pos + size);
      r.pos += size;
      if (id === 0) names.module = sub.name();
      else if (id === 1) readNameMap(sub, names.funcs);
      else if (id === 2) {
        const n = sub.vecLen(2);
        for (let i = 0; i < n; i++) {
          const func = sub.u32();
          let map = names.locals.get(func);
          if (map === undefined) names.locals.set(func, (map = new Map()));
          readNameMap(sub, map);
        }
      }
    }
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
  }
  return names;
}

/** A `namemap` (vec of index, name) into `out`, entry by entry. */
function readNameMap(r: Reader, out: Map<number, string>): void {
  const n = r.vecLen(2);
  for (let i = 0; i < n; i++) {
    const index = r.u32();
    out.set(index, r.name());
  }
}
