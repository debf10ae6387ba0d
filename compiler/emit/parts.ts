/**
 * The parts of the emitted module around its functions, shared by the AOT
 * emitter (emit/module.ts) and the run-time compile mode (emit/lazy.ts):
 * `prologue` (imports resolved, memories, tables, globals, `Func` objects)
 * and `epilogue` (element and data segments, start function, exports) of
 * `instantiate`, spec 4.5.4 "Instantiation", as ESTree statements. This file
 * uses no Node API, so the run-time compile mode can run in browsers.
 */
import * as A from '../lower/ast.js';
import type { Expr, Stmt } from '../lower/ast.js';
import { sigString, type ModuleEnv } from '../lower/env.js';
import { Reader } from '../decode/reader.js';
import { readInstr, newInstr } from '../decode/code.js';
import { OPS } from '../opcodes.js';
import type { ConstExpr, Module } from '../module.js';
import { I64, F32, F64, FUNCREF, valTypeName, type FuncType, type ValType } from '../types.js';
import { CompileError } from '../../runtime/errors.js';
import { entryCharge, instanceProperties } from '../lower/fuel.js';
import { bytesToBase64 } from '../base64.js';
import { VIEW_NAMES, VIEW_REFRESH, viewRefresh } from '../lower/views.js';
import { MATH_ALIASES } from '../passes/math-aliases.js';

/** JS API names of the extern kinds (ModuleImportDescriptor / ModuleExportDescriptor `kind`). */
export const KIND_NAMES = { func: 'function', table: 'table', memory: 'memory', global: 'global', tag: 'tag' } as const;

/** Name of a global's type as `Global` spells it. */
function globalTypeName(t: ValType): string {
  return valTypeName(t);
}

/** The custom sections `keep` selects (all for `true`), as `{ name, data }` with the contents in base64. */
export function keptCustomSections(m: Module, keep: boolean | readonly string[]): { name: string; data: string }[] {
  if (keep === false) return [];
  const out: { name: string; data: string }[] = [];
  for (const c of m.customs) {
    if (keep !== true && !keep.includes(c.name)) continue;
    out.push({ name: c.name, data: bytesToBase64(m.bytes.subarray(c.start, c.end)) });
  }
  return out;
}

/** Evaluates a constant expression (spec 3.3.10) to JS expressions: [value] or [lo, hi] for i64. */
function constExpr(env: ModuleEnv, c: ConstExpr): Expr[] {
  const r = new Reader(env.m.bytes, c.start, c.end);
  const ins = newInstr();
  readInstr(r, ins);
  const name = OPS[ins.op].name;
  switch (name) {
    case 'i32.const':
      return [A.num(ins.a)];
    case 'i64.const':
      return [A.num(ins.lo), A.num(ins.hi)];
    case 'f32.const':
      return [A.call('f32_reinterpret_i32', [A.num(ins.a | 0)])];
    case 'f64.const':
      return [A.call('f64_reinterpret_i64', [A.num(ins.lo), A.num(ins.hi)])];
    case 'ref.null':
      return [A.NULL];
    case 'ref.func':
      return [A.id(env.funcRefName(ins.a))];
    case 'global.get':
      return globalValue(env, ins.a);
    default:
      throw new CompileError(`${name} is not supported by the compiler yet (${OPS[ins.op].feature})`, c.start);
  }
}

/** The current value of global `i` as JS expressions. */
function globalValue(env: ModuleEnv, i: number): Expr[] {
  const t = env.m.globalTypes[i].type;
  if (env.globalHome[i] === 'cell') return t === I64 ? [A.member(`G${i}`, 'lo'), A.member(`G${i}`, 'hi')] : [A.member(`G${i}`, 'v')];
  return t === I64 ? [A.id(`g${i}`), A.id(`g${i}h`)] : [A.id(`g${i}`)];
}

/** Functions that may escape as `funcref` values: exported, in element segments or in global initializers. */
export function escapingFuncs(env: ModuleEnv): number[] {
  const m = env.m;
  const set = new Set<number>();
  for (const e of m.exports) if (e.kind === 'func') set.add(e.index);
  const scan = (c: ConstExpr) => {
    const r = new Reader(m.bytes, c.start, c.end);
    const ins = newInstr();
    readInstr(r, ins);
    if (OPS[ins.op].name === 'ref.func') set.add(ins.a);
  };
  for (const g of m.globalInits) scan(g);
  for (const e of m.elems) {
    if (e.funcs) for (const f of e.funcs) set.add(f);
    if (e.exprs) e.exprs.forEach(scan);
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * The internal-ABI callable of defined function `fi` for its `Func` object:
 * the function itself, or with fuel a wrapper that first charges what direct
 * callers prepay (lower/fuel.ts entryCharge).
 */
export function entryFn(env: ModuleEnv, fi: number, t: FuncType): Expr {
  const charge = entryCharge(env, fi);
  if (charge === null) return A.id(env.funcName(fi));
  const params: string[] = [];
  for (const p of t.params) {
    params.push(`a${params.length}`);
    if (p === I64) params.push(`a${params.length}`);
  }
  const ret = A.ret(A.call(env.funcName(fi), params.map((p) => A.id(p))));
  return { type: 'FunctionExpression', id: null, params: params.map((p) => A.id(p)), body: A.block([charge, ret]) };
}

function optional(s: Stmt | null): Stmt[] {
  return s === null ? [] : [s];
}

/**
 * How the prologue and epilogue reach defined functions when they are
 * compiled lazily (emit/lazy.ts), instead of by their declarations:
 * `funcObject(fi)` is the expression making the `Func` object of escaping
 * function `fi`, `callee(fi)` an expression evaluating to defined function
 * `fi`'s internal-ABI callable (for the start function).
 */
export interface LazyLinks {
  funcObject(fi: number): Expr;
  callee(fi: number): Expr;
  /** Data segment `i`'s bytes: a view of the module's input, not a base64 copy in the code. */
  data(i: number): Expr;
}

/** Import resolution, memories, tables, globals and `Func` objects (with `lazy`, made by `lazy.funcObject`). */
export function prologue(env: ModuleEnv, lazy: LazyLinks | null = null): Stmt[] {
  const m = env.m;
  const out: Stmt[] = [];
  const constDecl = (name: string, e: Expr) => out.push(A.decl('const', [[name, e]]));
  // Tuned for Hermes, functions call Math's functions through these aliases (passes/math-aliases.ts).
  if (env.tune === 'hermes') out.push(A.decl('const', MATH_ALIASES.map((f) => [`Math_${f}`, A.member('Math', f)])));
  const imported = (i: { module: string; name: string }, kind: string) =>
    A.call('getImport', [A.id('importObject'), A.str(i.module), A.str(i.name), A.str(kind)]);
  let f = 0;
  let t = 0;
  let g = 0;
  let x = 0;
  const tagParams = (i: number) => A.str(m.types[m.tags[i]].params.map(valTypeName).join(' '));
  for (const imp of m.imports) {
    const label = A.str(`${imp.module}.${imp.name}`);
    switch (imp.kind) {
      case 'func':
        constDecl(env.funcRefName(f), A.call('importFunc', [imported(imp, 'function'), A.str(sigString(m.types[imp.typeIndex])), A.id('rt'), label]));
        constDecl(env.funcName(f), A.member(env.funcRefName(f), 'fn'));
        f++;
        break;
      case 'memory': {
        const l = imp.memory!;
        constDecl('M', A.call('importMemory', [imported(imp, 'memory'), A.num(l.min), l.max === undefined ? A.id('undefined') : A.num(l.max), A.id('limit'), label]));
        break;
      }
      case 'table': {
        const tt = imp.table!;
        constDecl(`T${t}`, A.call('importTable', [imported(imp, 'table'), A.str(valTypeName(tt.elem)), A.num(tt.limits.min), tt.limits.max === undefined ? A.id('undefined') : A.num(tt.limits.max), label]));
        t++;
        break;
      }
      case 'global': {
        const gt = imp.global!;
        constDecl(`G${g}`, A.call('importGlobal', [imported(imp, 'global'), A.str(globalTypeName(gt.type)), gt.mutable ? A.TRUE : A.id('false'), label]));
        if (!gt.mutable) {
          if (gt.type === I64) out.push(A.decl('const', [[`g${g}`, A.member(`G${g}`, 'lo')], [`g${g}h`, A.member(`G${g}`, 'hi')]]));
          else if (gt.type === F32 || gt.type === F64) out.push(...assignedOnce(`g${g}`, A.member(`G${g}`, 'v')));
          else constDecl(`g${g}`, A.member(`G${g}`, 'v'));
        }
        g++;
        break;
      }
      case 'tag':
        constDecl(`Tg${x}`, A.call('importTag', [imported(imp, 'tag'), tagParams(x), label]));
        x++;
        break;
    }
  }
  for (let i = m.numImportedTags; i < m.tags.length; i++) constDecl(`Tg${i}`, A.call('newTag', [tagParams(i)]));
  for (let i = m.numImportedMemories; i < m.memories.length; i++) {
    const l = m.memories[i];
    constDecl('M', A.call('newMemory', [A.num(l.min), l.max === undefined ? A.id('undefined') : A.num(l.max), A.id('limit')]));
  }
  if (m.memories.length > 0 && env.tune === 'hermes') {
    // DV and the typed-array views the accesses use (lower/views.ts), remade by HV whenever the buffer changes.
    out.push(A.decl('let', ['DV', ...VIEW_NAMES.filter((n) => n !== VIEW_REFRESH)].map((n) => [n, A.NULL])));
    out.push(A.func(VIEW_REFRESH, [], viewRefresh()));
    out.push(A.exprStmt(A.call(VIEW_REFRESH, [])));
    out.push(A.exprStmt(A.mcall('M', 'onGrow', [A.id(VIEW_REFRESH)])));
  } else if (m.memories.length > 0) {
    // The memory's current DataView; functions copy it into their own local `dv` (lower/stack.ts refreshMemory).
    out.push(A.decl('let', [['DV', A.member('M', 'dv')]]));
    out.push(A.exprStmt(A.mcall('M', 'onGrow', [A.arrow([], [A.exprStmt(A.assign('DV', A.member('M', 'dv')))])])));
  }
  for (let i = m.numImportedTables; i < m.tables.length; i++) {
    const tt = m.tables[i];
    const desc: Expr = {
      type: 'ObjectExpression',
      properties: [
        ['element', A.str(tt.elem === FUNCREF ? 'anyfunc' : 'externref')],
        ['initial', A.num(tt.limits.min)],
        ...(tt.limits.max === undefined ? [] : [['maximum', A.num(tt.limits.max)] as [string, Expr]]),
      ].map(([k, v]) => ({ type: 'Property', key: A.id(k as string), value: v, kind: 'init', computed: false, method: false, shorthand: false })),
    };
    constDecl(`T${i}`, { type: 'NewExpression', callee: A.id('Table'), arguments: [desc, A.NULL] });
  }
  for (let i = 0; i < m.tables.length; i++) constDecl(`E${i}`, A.member(`T${i}`, 'elements'));
  // Func objects of escaping defined functions (declarations below are hoisted).
  for (const fi of escapingFuncs(env)) {
    if (fi < m.numImportedFuncs) continue;
    const t = m.types[m.funcTypes[fi]];
    if (lazy !== null) constDecl(env.funcRefName(fi), lazy.funcObject(fi));
    else constDecl(env.funcRefName(fi), { type: 'NewExpression', callee: A.id('Func'), arguments: [A.str(sigString(t)), entryFn(env, fi, t), A.id('rt')] });
  }
  // Defined globals, in order (their initializers may read earlier globals).
  for (let i = m.numImportedGlobals; i < m.globalTypes.length; i++) {
    const gt = m.globalTypes[i];
    const init = constExpr(env, m.globalInits[i - m.numImportedGlobals]);
    if (env.globalHome[i] === 'cell') {
      const args = gt.type === I64 ? [A.num(0), init[0], init[1]] : [init[0], A.num(0), A.num(0)];
      constDecl(`G${i}`, A.call('makeGlobal', [A.str(globalTypeName(gt.type)), A.TRUE, ...args]));
    } else {
      const kind = env.globalHome[i] === 'const' ? 'const' : 'let';
      if (gt.type === F32 || gt.type === F64) out.push(...assignedOnce(`g${i}`, init[0]));
      else out.push(A.decl(kind, gt.type === I64 ? [[`g${i}`, init[0]], [`g${i}h`, init[1]]] : [[`g${i}`, init[0]]]));
    }
  }
  return out;
}

/**
 * `let name = 0; name = value;`: a float binding V8 cannot fold into a
 * constant. V8 treats a binding its code never assigns after the declaration
 * as a constant once optimised, which canonicalizes a NaN's payload: so
 * every float global held in a variable (immutable, or mutable with no
 * `global.set`, defined or imported) is declared this way (runtime/ABI.md
 * "NaN bits").
 */
function assignedOnce(name: string, value: Expr): Stmt[] {
  return [A.decl('let', [[name, A.num(0)]]), A.exprStmt(A.assign(name, value))];
}

/** Element and data segments, the start function (with `lazy`, called through `lazy.callee`), and the exports. */
export function epilogue(env: ModuleEnv, lazy: LazyLinks | null = null): Stmt[] {
  const m = env.m;
  const out: Stmt[] = [];
  m.elems.forEach((e, i) => {
    const items: Expr[] = e.funcs ? Array.from(e.funcs, (f) => A.id(env.funcRefName(f))) : e.exprs!.map((c) => constExpr(env, c)[0]);
    if (e.mode === 'passive') {
      out.push(A.decl('let', [[`es${i}`, A.array(items)]]));
      return;
    }
    out.push(A.decl('let', [[`es${i}`, A.array([])]]));
    if (e.mode === 'active') {
      const seg = A.array(items);
      out.push(A.exprStmt(A.call('tableInit', [A.id(`T${e.table}`), constExpr(env, e.offset!)[0], seg, A.num(0), A.num(items.length)])));
    }
  });
  m.datas.forEach((d, i) => {
    const bytes = lazy !== null ? lazy.data(i) : A.call('b64', [A.str(bytesToBase64(d.bytes))]);
    if (d.mode === 'passive') {
      out.push(A.decl('let', [[`ds${i}`, bytes]]));
      return;
    }
    out.push(A.decl('let', [[`ds${i}`, A.id('EMPTY_DATA')]]));
    out.push(A.exprStmt(A.call('memoryInit', [A.id('M'), constExpr(env, d.offset!)[0], bytes, A.num(0), A.num(d.bytes.length)])));
  });
  if (m.start >= 0) {
    // Engine errors from the start function become traps, as for exported functions.
    out.push({
      type: 'TryStatement',
      block: A.block([...optional(entryCharge(env, m.start)), A.exprStmt(A.call(lazy !== null && m.start >= m.numImportedFuncs ? lazy.callee(m.start) : env.funcName(m.start), []))]),
      handler: { type: 'CatchClause', param: A.id('e'), body: A.block([{ type: 'ThrowStatement', argument: A.call('convertError', [A.id('e')]) }]) },
      finalizer: null,
    });
  }
  const entries = m.exports.map((e) => {
    let v: Expr;
    switch (e.kind) {
      case 'func':
        v = A.call('toJS', [A.id(env.funcRefName(e.index))]);
        break;
      case 'memory':
        v = A.id('M');
        break;
      case 'table':
        v = A.id(`T${e.index}`);
        break;
      case 'tag':
        v = A.id(`Tg${e.index}`);
        break;
      case 'global': {
        const gt = m.globalTypes[e.index];
        if (env.globalHome[e.index] === 'cell' || e.index < m.numImportedGlobals) v = A.id(`G${e.index}`);
        else {
          const [lo, hi] = globalValue(env, e.index);
          const args = gt.type === I64 ? [A.num(0), lo, hi] : [lo, A.num(0), A.num(0)];
          v = A.call('makeGlobal', [A.str(globalTypeName(gt.type)), A.id('false'), ...args]);
        }
        break;
      }
    }
    return A.array([A.str(e.name), v]);
  });
  out.push(A.ret({ type: 'ObjectExpression', properties: [{ type: 'Property', key: A.id('exports'), value: A.call('makeExports', [A.array(entries)]), kind: 'init', computed: false, method: false, shorthand: false }, ...instanceProperties(env)] }));
  return out;
}
