/**
 * Lowers one function's IR (compiler/ir/) to a JS function declaration
 * (ESTree). The IR is walked in body order (ir/walk.ts) and each instruction
 * lowered as it comes, on a simulated operand stack of pending expressions.
 * FuncLowering is built in three layers, one file each: StackLowering
 * (stack.ts: values, temporaries, locals), ControlLowering (control.ts:
 * frames, branches, the flat form) and FuncLowering here (the
 * function as a whole, calls, variables, and the dispatch of every other
 * instruction to ops.ts, i64big.ts or fuel.ts). What those lowerings may do
 * to the function is the Lowering interface (lowering.ts).
 *
 * The rules that keep effects and traps in wasm order are in stack.ts; how
 * control flow becomes labelled blocks, loops and `switch` (or one dispatch
 * loop, FLAT_DEPTH) is in control.ts.
 */
import * as A from './ast.js';
import type { Expr, Stmt } from './ast.js';
import { CONST, TEMP, LOCAL, IMPURE, val, mergeReads, type Kind, type Val } from './values.js';
import { sigString, type ModuleEnv } from './env.js';
import { LOWER_OPS, type OpLowering } from './ops.js';
import { sandboxOps } from './fuel.js';
import { BIG_OPS, fromPair, toPair } from './i64big.js';
import { fuelCharge, wrapFuelBody } from './fuel-meter.js';
import type { Lowering } from './lowering.js';
import { StackLowering } from './stack.js';
import { ControlLowering } from './control.js';
import { OPS, OP } from '../opcodes.js';
import { FUEL_PAID, type Func } from '../ir/ir.js';
import { walk } from '../ir/walk.js';
import { FUNC } from '../frames.js';
import { I64, F32, F64, FUNCREF, EXTERNREF, type ValType } from '../types.js';
import { CompileError } from '../../runtime/errors.js';
import type { Regions } from '../passes/regions.js';

/**
 * Functions whose blocks nest deeper than this are lowered flat: one
 * dispatch loop `D: for (;;) switch (st) {...}` whose cases are block ends
 * and loop heads, and branches set `st`. JS engines and printers recurse on
 * nesting and fail on deep code; this form has constant depth. A function
 * within it whose JS would still nest too deep is flat too (passes/form.ts
 * MAX_JS_DEPTH, found by lowering it nested first, which this bounds: most
 * levels make two or three ESTree levels, a labelled block, an `if` and its
 * block, a labelled loop). 256 until 2026-12-07, when QuickJS's interpreter
 * (278 levels, 548 in JS) ran flat and 1.6x slower than nested.
 */
export const FLAT_DEPTH = 400;

function zeroOf(t: ValType): Expr {
  return t === FUNCREF || t === EXTERNREF ? A.NULL : A.num(0);
}

/**
 * Lowers function `fn` (its IR, compiler/ir/, after the passes: fuel charges
 * placed when the module is metered) to a `function f<funcidx>(...) {...}`
 * declaration in the given form (passes/form.ts). The module must have been
 * validated: the lowering trusts the typing.
 */
export function lowerFunction(env: ModuleEnv, fn: Func, form: Form): Stmt {
  return new FuncLowering(env, fn).run(form);
}

/** How a function is lowered, as the form pass (passes/form.ts) decides it. */
export interface Form {
  /** One dispatch loop instead of nested blocks (FLAT_DEPTH). */
  flat: boolean;
  /** i64 values as BigInts (i64big.ts), else int32 pairs. */
  big: boolean;
  /** The body loads or stores memory (it keeps the DataView in a local `dv`). */
  memory: boolean;
  /** `br_table` nests lowered as one `switch` each (passes/regions.ts), or null. */
  regions: Regions | null;
}

const END = OP['end']!;
const ELSE = OP['else']!;

class FuncLowering extends ControlLowering implements Lowering {
  /** Lowerings replacing ops.ts's for this module (fuel.ts sandboxOps), or null. */
  private readonly overrides: (OpLowering | undefined)[] | null;

  constructor(env: ModuleEnv, fn: Func) {
    super(env, fn);
    this.overrides = sandboxOps(env);
  }

  run(form: Form): Stmt {
    const { type, fn } = this;
    this.flatForm = form.flat;
    this.regions = form.regions;
    this.usesMemory = form.memory;
    this.big = form.big;
    if (this.big) {
      this.localSlots = new Int32Array(this.locals.count).fill(-1);
      for (let i = 0; i < this.locals.count; i++) if (this.locals.type(i) === I64) this.localSlots[i] = this.nSlots++;
      this.forwarded = new Map();
    }
    if (this.flatForm) this.newCase();
    this.frames.push(this.frame(FUNC, [], type.results, this.out, fn.bodyStart));
    // The IR in body order (ir/walk.ts): each instruction as if read from the body.
    walk(fn, {
      op: (n) => this.step(n),
      enter: (n) => this.step(n),
      else_: (n) => this.close(ELSE, fn.elseOffset(n)),
      handler: (_s, h) => this.step(h),
      end: (n) => this.close(END, fn.endOffsetOf(n)),
      charge: (n) => {
        const st = fuelCharge(fn.amount(n), fn.fuelForm!);
        if (st !== null) this.push(A.withLoc(st, fn.offset(n)));
      },
    });
    this.close(END, fn.endOffset);
    return this.finish(fn.bodyStart);
  }

  /** Lowers node `n` (OP or STRUCT) of the IR: its instruction, as `readInstr` would have decoded it. */
  private step(n: number): void {
    const { fn, ins } = this;
    this.node = n;
    ins.op = fn.op(n);
    ins.offset = this.at = fn.offset(n);
    ins.a = fn.a(n);
    ins.b = fn.b(n);
    ins.c = fn.c(n);
    ins.lo = fn.lo(n);
    ins.hi = fn.hi(n);
    this.lengthPaid = (fn.flags(n) & FUEL_PAID) !== 0;
    this.instr(OPS[ins.op].name);
  }

  /** The `else` or `end` at `offset`, reached by falling through or (when `dead`) only by branches. */
  private close(op: number, offset: number): void {
    this.ins.op = op;
    this.ins.offset = this.at = offset;
    const name = OPS[op].name as 'else' | 'end';
    if (this.dead) this.closeDead(name);
    else this.instr(name);
  }

  // ---------------------------------------------------------------- output

  private finish(bodyStart: number): Stmt {
    const params: string[] = [];
    const { type, locals } = this;
    for (let i = 0; i < type.params.length; i++) {
      params.push(this.local(i));
      if (type.params[i] === I64) params.push(this.localHi(i));
    }
    const decls: [string, Expr][] = [];
    for (let i = type.params.length; i < locals.count; i++) {
      const t = locals.type(i);
      if (t === I64 && this.big) continue;
      decls.push([this.local(i), zeroOf(t)]);
      if (t === I64) decls.push([this.localHi(i), A.num(0)]);
    }
    for (const v of this.varDecls) decls.push([v, A.num(0)]);
    if (this.usesMemory) decls.push(['dv', A.id('DV')]);
    if (this.big) this.out = [...this.bigPrologue(decls), this.bigEpilogue(this.out)];
    if (this.flatForm) {
      decls.push(['st', A.num(0)]);
      const dispatch = A.switchStmt(A.id('st'), this.cases);
      this.out = [A.labeled('D', A.loop([dispatch, A.exprStmt(A.call('trap', [A.str('unreachable')]))]))];
    }
    let body = decls.length ? [A.decl('let', decls), ...this.out] : this.out;
    if (this.fn.fuelForm !== null) body = wrapFuelBody(body, this.fn.fuelForm);
    const fn = A.withLoc(A.func(this.env.funcName(this.funcidx), params, body), bodyStart);
    // The f32/f64 parameters and locals, for a split function's frame (split-vars.ts `frame`).
    const floats = new Set<string>();
    for (let i = 0; i < locals.count; i++) if (locals.type(i) === F32 || locals.type(i) === F64) floats.add(this.local(i));
    if (floats.size > 0) fn.floatVars = floats;
    return fn;
  }

  /**
   * Big form: the function's register file is the instance's `RF<funcidx>`
   * (its Int32Array view `RD<funcidx>`), a constant V8 folds into the code,
   * so slot accesses need no bounds or map checks; `RB<funcidx>` is 1 while
   * a call is active, and a nested (recursive) call allocates its own file.
   * Moves i64 params into their slots and zeroes the other i64 locals.
   * Declares `R`, `R32`, `rb` in `decls`; returns the statements before the
   * body, which `bigEpilogue` wraps.
   */
  private bigPrologue(decls: [string, Expr][]): Stmt[] {
    const f = this.funcidx;
    this.env.bigFuncs?.set(f, Math.max(this.nSlots, 1));
    decls.push(['R', A.id(`RF${f}`)], ['R32', A.id(`RD${f}`)], ['rb', A.id(`RB${f}`)]);
    const out: Stmt[] = [
      A.ifStmt(A.id('rb'), [
        A.exprStmt(A.assign('R', { type: 'NewExpression', callee: A.id('BigUint64Array'), arguments: [A.num(Math.max(this.nSlots, 1))] })),
        A.exprStmt(A.assign('R32', { type: 'NewExpression', callee: A.id('Int32Array'), arguments: [A.member('R', 'buffer')] })),
      ], null),
      A.exprStmt(A.assign(`RB${f}`, A.num(1))),
    ];
    const { locals, type } = this;
    for (let i = 0; i < locals.count; i++) {
      if (locals.type(i) !== I64) continue;
      const v = i < type.params.length ? fromPair(A.id(this.local(i)), A.id(this.localHi(i))) : { type: 'Literal', value: 0n, raw: '0n' };
      out.push(A.exprStmt(A.assign(this.localRef(i), v)));
    }
    return out;
  }

  /** Big form: `try { body } finally { RB<funcidx> = rb; }`, so the file is free again however the call ends. */
  private bigEpilogue(body: Stmt[]): Stmt {
    const restore = A.block([A.exprStmt(A.assign(`RB${this.funcidx}`, A.id('rb')))]);
    return { type: 'TryStatement', block: A.block(body), handler: null, finalizer: restore };
  }

  // --------------------------------------------------------- instructions

  /**
   * The result of the call the previous instruction made, evaluated into a
   * temporary (`emitCall`): a `drop` right after it makes the statement the
   * call alone (`$memset(...)`, not `t3 = $memset(...)`), a `local.set` the
   * assignment of the local (`l1 = $f(...)`).
   */
  private calledInto: { v: Val; stmt: Stmt; call: Expr } | null = null;

  private instr(name: string): void {
    const ins = this.ins;
    const called = this.calledInto;
    this.calledInto = null;
    if (this.forwarded !== null && this.forwarded.size > 0 && OPS[ins.op].cost === 'control') this.forwarded.clear();
    if (this.control(name)) return;
    switch (name) {
      case 'call':
        this.call(ins.a);
        return;
      case 'call_indirect':
        this.callIndirect(ins.a, ins.b);
        return;
      case 'drop': {
        const v = this.pop();
        if (v.k === IMPURE) this.effect(A.exprStmt(v.e));
        else if (called !== null && v === called.v) {
          called.stmt.expression = called.call;
          this.forgetTemp((v.e as { name: string }).name);
        }
        return;
      }
      case 'select':
      case 'select_t':
        this.select();
        return;
      case 'local.get': {
        const x = ins.a;
        const t = this.locals.type(x);
        const fwd = this.forwarded?.get(x);
        if (fwd !== undefined) this.pushVal(val(fwd, t, fwd.type === 'Literal' ? CONST : TEMP));
        else this.pushVal(val(A.id(this.localRef(x)), t, LOCAL, [x], false, 0, t === I64 && !this.big ? A.id(this.localHi(x)) : null));
        return;
      }
      case 'local.set':
      case 'local.tee': {
        const x = ins.a;
        let v = this.pop();
        const emitted = this.out.length;
        this.spill((s) => s.k > TEMP && s.reads !== null && s.reads.includes(x));
        if (called !== null && v === called.v && this.out.length === emitted && v.h === null) {
          // The result of the call just made: `l1 = f(..); dv = DV;`, not `t3 = f(..); dv = DV; l1 = t3;`
          // (nothing read the local since: no value on the stack reads it, none was spilled); a
          // `local.tee` leaves the local on the stack.
          (called.stmt.expression as { left: Expr }).left = A.id(this.localRef(x));
          this.forgetTemp((v.e as { name: string }).name);
          if (name === 'local.tee') this.stack.push(val(A.id(this.localRef(x)), v.t, LOCAL, [x]));
          return;
        }
        if (v.k === IMPURE) this.spillImpure();
        if (this.forwarded !== null && v.t === I64) {
          this.forwarded.delete(x);
          if (v.k > TEMP) v = this.materialize(v);
          if (v.e.type === 'Literal' || (v.e.type === 'Identifier' && !v.e.name.startsWith('R['))) this.forwarded.set(x, v.e);
        }
        const lo = v.bool ? StackLowering.i32(v) : v.e;
        if (v.h === null) this.push(A.exprStmt(A.assign(this.localRef(x), lo)));
        else this.assignAll([A.id(this.localRef(x)), A.id(this.localHi(x))], [lo, v.h]);
        const fwd = this.forwarded?.get(x);
        if (name === 'local.tee' && fwd !== undefined) this.stack.push(val(fwd, v.t, fwd.type === 'Literal' ? CONST : TEMP));
        else if (name === 'local.tee') {
          v = val(A.id(this.localRef(x)), v.t, LOCAL, [x], false, 0, v.h !== null ? A.id(this.localHi(x)) : null);
          this.stack.push(v);
        }
        return;
      }
      case 'global.get':
        this.globalGet(ins.a);
        return;
      case 'global.set':
        this.globalSet(ins.a);
        return;
    }
    const lower = (this.overrides !== null && this.overrides[ins.op]) || (this.big && BIG_OPS[ins.op]) || LOWER_OPS[ins.op];
    if (lower === undefined) throw new CompileError(`${name} is not supported by the compiler yet (${OPS[ins.op].feature})`, ins.offset, this.funcidx);
    lower(this, ins, this.env);
  }

  private call(funcidx: number): void {
    const m = this.env.m;
    const t = m.types[m.funcTypes[funcidx]];
    const args = this.popN(t.params.length);
    this.spillImpure();
    this.emitCall(A.call(this.env.funcName(funcidx), this.abiArgs(args)), t.results, mergeReads(args), this.env.growers?.funcs[funcidx] !== 0);
  }

  private callIndirect(typeidx: number, tableidx: number): void {
    const t = this.env.m.types[typeidx];
    const idx = this.pop();
    const args = this.popN(t.params.length);
    // The callee (and its checks) is evaluated before the arguments in JS: evaluate impure arguments first.
    for (let i = 0; i < args.length; i++) if (args[i].k === IMPURE) args[i] = this.evalNow(args[i]);
    this.spillImpure();
    // The common case inline (the element exists, has the signature and, for a single i64 result, is
    // this runtime's): `((c = E[i >>> 0]) != null && c.sig === sig ? c : callIndirect(E, i, sig)).fn(...)`;
    // the runtime's `callIndirect` traps or adapts the rest. Measured on the qsort kernel (a comparator
    // called through the table): 35% faster in Firefox, 30% in Bun, unchanged in V8.
    const sig = sigString(t);
    const table = A.id(`E${tableidx}`);
    let i = StackLowering.i32(idx);
    if (i.type !== 'Identifier' && i.type !== 'Literal') i = this.temp(i);
    const c = this.newTempName();
    const present = A.bin('!=', A.assign(c, A.index(table, A.bin('>>>', i, A.num(0)))), A.NULL);
    // When every function the table may hold has this signature (tables.ts), a present element needs no check of it.
    let fast = this.env.tables?.sig[tableidx] === sig ? present : A.bin('&&', present, A.bin('===', A.member(c, 'sig'), A.str(sig)));
    if (sig.endsWith('>i64')) fast = A.bin('&&', fast, A.bin('===', A.member(c, 'rt'), A.id('rt'))); // runtime/func.ts sigUsesHi
    const callee = A.member(A.cond(fast, A.id(c), A.call('callIndirect', [table, i, A.str(sig)])), 'fn');
    this.emitCall(A.call(callee, this.abiArgs(args)), t.results, mergeReads([...args, idx]), this.env.growers?.indirect(typeidx, tableidx) !== false);
  }

  /**
   * Pushes the results of a call expression following the calling
   * convention; `grows`: the callee may grow memory (grows.ts), so the
   * cached DataView is re-read after it. `reads`: the locals the call
   * expression reads (its arguments'), so a pending call is evaluated before
   * a write to one of them.
   */
  emitCall(c: Expr, results: ValType[], reads: number[] | null, grows = true): void {
    const hasMemory = this.usesMemory && grows;
    if (results.length === 0) {
      this.push(A.exprStmt(c));
      if (hasMemory) this.refreshMemory();
    } else if (results.length === 1) {
      if (results[0] === I64) {
        const lo = this.temp(c);
        const hi = this.temp(A.member('rt', 'hi'));
        if (hasMemory) this.refreshMemory();
        if (this.big) this.stack.push(val(fromPair(lo, hi), I64, LOCAL, null, false, 1));
        else this.stack.push(val(lo, I64, TEMP, null, false, 0, hi));
      } else if (this.usesMemory) {
        // Evaluate the call now (and refresh the cached view after it when the callee may grow memory).
        const t = this.newTempName();
        const stmt = A.exprStmt(A.assign(t, c));
        this.push(stmt);
        if (hasMemory) this.refreshMemory();
        const v = val(A.id(t), results[0], TEMP);
        this.stack.push(v);
        this.calledInto = { v, stmt, call: c };
      } else this.pushVal(val(c, results[0], IMPURE, reads, false, 1));
    } else {
      const arr = this.temp(c);
      let j = 0;
      for (const rt of results) {
        const lo = this.temp(A.index(arr, A.num(j++)));
        const hi = rt === I64 ? this.temp(A.index(arr, A.num(j++))) : null;
        if (this.big && hi !== null) this.stack.push(val(fromPair(lo, hi), I64, LOCAL, null, false, 1));
        else this.stack.push(val(lo, rt, TEMP, null, false, 0, hi));
      }
      if (hasMemory) this.refreshMemory();
    }
  }


  private select(): void {
    const c = this.pop();
    let b = this.pop();
    let a = this.pop();
    if (a.k === IMPURE) a = this.evalNow(a);
    if (b.k === IMPURE) b = this.evalNow(b);
    const test = StackLowering.cond(c);
    if (a.t === I64 && this.big) {
      // Both arms assign the slot: a BigInt conditional expression would be a merge (see i64big.ts).
      const cv = c.k <= TEMP ? test : this.evalNow(c).e;
      const s = `R[${this.newSlot()}]`;
      this.push(A.ifStmt(cv, [A.exprStmt(A.assign(s, a.e))], [A.exprStmt(A.assign(s, b.e))]));
      this.stack.push(val(A.id(s), I64, TEMP));
      return;
    }
    if (a.t === I64) {
      const cv = c.k <= TEMP ? test : this.evalNow(c).e;
      const lo = this.temp(A.cond(cv, a.e, b.e));
      const hi = this.temp(A.cond(cv, a.h, b.h));
      this.stack.push(val(lo, I64, TEMP, null, false, 0, hi));
      return;
    }
    const k = Math.max(a.k, b.k, c.k, LOCAL) as Kind;
    const bool = a.bool && b.bool;
    const e = A.cond(test, bool ? a.e : StackLowering.i32(a), bool ? b.e : StackLowering.i32(b));
    this.pushVal(val(e, a.t, k, mergeReads([a, b, c]), bool, Math.max(a.d, b.d, c.d) + 1));
  }

  private globalGet(i: number): void {
    const home = this.env.globalHome[i];
    const t = this.env.m.globalTypes[i].type;
    if (t === I64 && this.big) {
      if (home === 'const') this.stack.push(val(fromPair(A.id(`g${i}`), A.id(`g${i}h`)), t, CONST));
      else {
        this.spillImpure();
        const lo = this.temp(home === 'cell' ? A.member(`G${i}`, 'lo') : A.id(`g${i}`));
        const hi = this.temp(home === 'cell' ? A.member(`G${i}`, 'hi') : A.id(`g${i}h`));
        this.stack.push(val(fromPair(lo, hi), t, LOCAL, null, false, 1));
      }
      return;
    }
    if (t === I64) {
      if (home === 'const') this.stack.push(val(A.id(`g${i}`), t, CONST, null, false, 0, A.id(`g${i}h`)));
      else {
        this.spillImpure();
        const lo = this.temp(home === 'cell' ? A.member(`G${i}`, 'lo') : A.id(`g${i}`));
        const hi = this.temp(home === 'cell' ? A.member(`G${i}`, 'hi') : A.id(`g${i}h`));
        this.stack.push(val(lo, t, TEMP, null, false, 0, hi));
      }
      return;
    }
    if (home === 'const') this.stack.push(val(A.id(`g${i}`), t, CONST));
    else this.pushVal(val(home === 'cell' ? A.member(`G${i}`, 'v') : A.id(`g${i}`), t, IMPURE));
  }

  private globalSet(i: number): void {
    let v = this.pop();
    this.spillImpure();
    const cell = this.env.globalHome[i] === 'cell';
    if (this.big && v.t === I64) {
      const [lo, hi] = toPair(this, v);
      v = val(lo, I64, TEMP, null, false, 0, hi);
    }
    if (v.h !== null) {
      this.assignAll(cell ? [A.member(`G${i}`, 'lo'), A.member(`G${i}`, 'hi')] : [A.id(`g${i}`), A.id(`g${i}h`)], [v.e, v.h]);
    } else this.push(A.exprStmt(A.assign(cell ? A.member(`G${i}`, 'v') : A.id(`g${i}`), v.bool ? StackLowering.i32(v) : v.e)));
  }
}
