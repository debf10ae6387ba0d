/**
 * The value side of lowering one function (the base of FuncLowering,
 * func.ts): the simulated wasm operand stack, temporaries, locals and the
 * statements being built.
 *
 * The wasm operand stack is simulated with `Val`s: each value is a pending
 * JS expression, folded into the expression that consumes it. Pending
 * expressions are materialised into temporaries (`t<n>`) whenever keeping
 * them pending could change the order of effects or traps:
 * - before a statement with an effect, every pending IMPURE value is
 *   evaluated first (`spillImpure`);
 * - before `local.set x`, every pending value that reads `x`;
 * - at block entry, every pending value that is not a literal or temporary;
 * - before a branch, every pending IMPURE value (a branch discards values,
 *   but their effects must still happen).
 * i64 values are pairs of int32 halves held in simple expressions, computed
 * by statements (see runtime/ABI.md), or BigInts in the big form (i64big.ts).
 */
import * as A from './ast.js';
import type { Expr, Stmt } from './ast.js';
import { TEMP, LOCAL, IMPURE, val, asI32, type Val } from './values.js';
import type { ModuleEnv } from './env.js';
import { localIdentifiers } from '../identifiers.js';
import { toPair } from './i64big.js';
import { newInstr, type Instr, type Locals } from '../decode/code.js';
import type { Func } from '../ir/ir.js';
import { I64, type FuncType, type ValType } from '../types.js';

/** Folded expressions deeper than this are materialised (keeps printing and parsing shallow). */
const MAX_EXPR_DEPTH = 24;

export class StackLowering {
  readonly env: ModuleEnv;
  protected readonly funcidx: number;
  /** Identifiers of locals named in the name section (compiler/identifiers.ts); others are `l<i>`. */
  private readonly localIds: Map<number, string> | null;
  protected readonly type: FuncType;
  /** The function's IR (compiler/ir/). */
  protected readonly fn: Func;
  /** The instruction being lowered (filled from the IR, func.ts `step`). */
  protected readonly ins: Instr = newInstr();
  /** The instruction is a bulk operation whose constant length the fuel pass has charged (ir.ts FUEL_PAID). */
  lengthPaid = false;
  protected readonly locals: Locals;
  protected stack: Val[] = [];
  protected out: Stmt[] = [];
  private nTemps = 0;
  private nVars = 0;
  protected varDecls: string[] = [];
  /** The body loads or stores memory: it keeps the DataView in a local `dv` (see `refreshMemory`). */
  protected usesMemory = false;
  /** Byte offset of the instruction being lowered. */
  at = 0;
  /** i64 values are BigInts and i64 locals live in the register file `R` (i64big.ts). */
  big = false;
  protected nSlots = 0;
  /** Big form: register slot of each i64 local (else -1). */
  protected localSlots: Int32Array | null = null;
  /**
   * Big form: i64 locals whose value is also in a temporary or literal,
   * since their last `local.set` in the current straight-line code. Reading
   * the temporary instead of the slot keeps a store and reload off the
   * dependency chain. Cleared at every control instruction, so a temporary
   * is never read across a merge.
   */
  protected forwarded: Map<number, Expr> | null = null;
  /** JS identifier of each local's variables -> its index (`localOf`), built on first use. */
  private localNames: Map<string, number> | null = null;

  constructor(env: ModuleEnv, fn: Func) {
    this.env = env;
    const funcidx = (this.funcidx = fn.funcidx);
    this.fn = fn;
    this.locals = fn.locals;
    const m = env.m;
    this.type = m.types[m.funcTypes[funcidx]];
    this.localIds = localIdentifiers(m, env.funcIds, funcidx);
  }

  /** A fresh register slot (big form). */
  newSlot(): number {
    return this.nSlots++;
  }

  /** The stack value `depth` places below the top, not popped. */
  peek(depth: number): Val {
    return this.stack[this.stack.length - 1 - depth];
  }

  /** Appends a statement whose effects the caller has already ordered (see `effect`). */
  emit(s: Stmt): void {
    this.push(s);
  }

  protected push(s: Stmt): void {
    if (s.loc === undefined) A.withLoc(s, this.at);
    this.out.push(s);
  }

  /** A fresh temporary's name, for an expression that assigns it itself. */
  newTempName(): string {
    return this.newTemp();
  }

  /** JS identifier of local `x`: `l<x>`, or from the name section. */
  protected local(x: number): string {
    const id = this.localIds === null ? undefined : this.localIds.get(x);
    return id === undefined ? `l${x}` : id;
  }

  /**
   * Where local `x` is read and written: its JS identifier, or in the big
   * form for an i64 its register slot, written as the pseudo-identifier
   * `R[<slot>]` (astring prints identifiers verbatim, so it prints as the
   * element access; variables compare by name, and slots too this way).
   */
  protected localRef(x: number): string {
    const s = this.localSlots === null ? -1 : this.localSlots[x];
    return s < 0 ? this.local(x) : `R[${s}]`;
  }

  /** JS identifier of the high half of i64 local `x`: `l<x>h`, or `<name>$h`. */
  protected localHi(x: number): string {
    const id = this.localIds === null ? undefined : this.localIds.get(x);
    return id === undefined ? `l${x}h` : id + '$h';
  }

  private newTemp(): string {
    const name = `t${this.nTemps++}`;
    this.varDecls.push(name);
    return name;
  }

  /** Undeclares temporary `name` when it is the last variable declared (nothing reads it any more). */
  protected forgetTemp(name: string): void {
    if (this.varDecls[this.varDecls.length - 1] === name) this.varDecls.pop();
  }

  protected newVars(types: ValType[]): string[] {
    const names: string[] = [];
    for (const t of types) {
      if (t === I64 && this.big) {
        names.push(`R[${this.nSlots++}]`);
        continue;
      }
      names.push(`b${this.nVars}`);
      this.varDecls.push(`b${this.nVars++}`);
      if (t === I64) {
        names.push(`b${this.nVars}`);
        this.varDecls.push(`b${this.nVars++}`);
      }
    }
    return names;
  }

  // ------------------------------------------------------------ the stack

  protected pop(): Val {
    return this.stack.pop()!;
  }

  protected popN(n: number): Val[] {
    const s = this.stack;
    return s.splice(s.length - n, n);
  }

  pushVal(v: Val): void {
    if (v.d > MAX_EXPR_DEPTH) v = this.evalNow(v);
    this.stack.push(v);
  }

  /**
   * Evaluates a value popped off the stack into temporaries now, after the
   * impure values still pending below it.
   */
  evalNow(v: Val): Val {
    if (v.k === IMPURE) this.spillImpure();
    return this.materialize(v);
  }

  /** Evaluates `v` into temporaries now (the caller keeps the order of effects); returns the temporary value. */
  protected materialize(v: Val): Val {
    if (v.k <= TEMP) return v;
    const t = this.newTemp();
    this.push(A.exprStmt(A.assign(t, v.e)));
    if (v.h === null) return val(A.id(t), v.t, TEMP, null, v.bool);
    const th = this.newTemp();
    this.push(A.exprStmt(A.assign(th, v.h)));
    return val(A.id(t), v.t, TEMP, null, false, 0, A.id(th));
  }

  /**
   * Materialises pending values in stack order when `pred` holds. An impure
   * value evaluated now takes every impure value below it along first, so
   * effects and traps keep their order (a `local.tee` spilling a trapping
   * `i32.div_s` that reads the local must not run it before a pending
   * `call_indirect` beneath it).
   */
  protected spill(pred: (v: Val) => boolean): void {
    const s = this.stack;
    let impureTop = -1;
    for (let i = 0; i < s.length; i++) if (s[i].k === IMPURE && pred(s[i])) impureTop = i;
    for (let i = 0; i < s.length; i++) if (pred(s[i]) || (i < impureTop && s[i].k === IMPURE)) s[i] = this.materialize(s[i]);
  }

  spillImpure(): void {
    this.spill((v) => v.k === IMPURE);
  }

  protected spillAll(): void {
    this.spill((v) => v.k > TEMP);
  }

  /** Emits a statement with effects: pending impure values are evaluated first. */
  effect(s: Stmt): void {
    this.spillImpure();
    this.push(s);
  }

  /** Emits `name = expr` for a fresh temporary and returns it as an expression. */
  temp(e: Expr): Expr {
    const t = this.newTemp();
    this.push(A.exprStmt(A.assign(t, e)));
    return A.id(t);
  }

  // ---------------------------------------------------- value conversions

  /** The value as an int32 expression. */
  static i32(v: Val): Expr {
    return asI32(v, A.bin);
  }

  /** The value as a condition (JS truthiness of an i32). */
  static cond(v: Val): Expr {
    return v.e;
  }

  /** JS expressions for a list of values (i64 as two). */
  protected flat(vals: Val[]): Expr[] {
    const out: Expr[] = [];
    for (const v of vals) {
      out.push(v.bool ? StackLowering.i32(v) : v.e);
      if (v.h !== null) out.push(v.h);
    }
    return out;
  }

  /**
   * JS arguments for a call or a multi-value return: `flat`, except that in
   * the big form i64 BigInts become int32 pairs (impure values evaluated
   * first, in order, since the conversions are statements).
   */
  protected abiArgs(vals: Val[]): Expr[] {
    if (!this.big || !vals.some((v) => v.t === I64)) return this.flat(vals);
    const out: Expr[] = [];
    for (let i = 0; i < vals.length; i++) if (vals[i].k === IMPURE) vals[i] = this.materialize(vals[i]);
    for (const v of vals) {
      if (v.t === I64) out.push(...toPair(this, v));
      else out.push(v.bool ? StackLowering.i32(v) : v.e);
    }
    return out;
  }

  /** Assigns values to variables (i64 taking two); the values must be simple or pure. */
  protected assignTo(vars: string[], vals: Val[]): void {
    this.assignAll(vars.map((v) => A.id(v)), this.flat(vals));
  }

  /**
   * Writes `targets[i] = exprs[i]` for all i as ONE parallel assignment.
   * This is where the write-order rule lives: wherever one wasm value becomes
   * several JS variables (an i64 pair: `local.set`/`tee`, `global.set`) or
   * several values are written at once (branch values, block and `if`
   * results, loop params), every input is read before any output is written.
   * The statements run in order, so an expression that mentions a target
   * written before it (`x = 0; xh = x` after `i64.shl x 32`) is first copied
   * into a temporary. Together with `pushI64` (a pending value whose halves
   * name a local is kind LOCAL, so `local.set` of that local spills it), this
   * makes every multi-variable write exact. Targets are identifiers (locals,
   * `R[k]` slots, block variables, `g<i>`) or `G<i>.lo`/`.hi` cells; the
   * expressions are pure.
   */
  protected assignAll(targets: Expr[], exprs: Expr[]): void {
    const names: string[] = [];
    for (let i = 0; i < targets.length; i++) {
      if (i > 0 && mentions(exprs[i], names)) exprs[i] = this.temp(exprs[i]);
      const t = targets[i];
      names.push(t.type === 'Identifier' ? t.name : t.object.name);
    }
    for (let i = 0; i < targets.length; i++) {
      const t = targets[i];
      const e = exprs[i];
      if (t.type === 'Identifier' && e.type === 'Identifier' && e.name === t.name) continue;
      this.push(A.exprStmt(A.assign(t, e)));
    }
  }

  protected varVals(vars: string[], types: ValType[]): Val[] {
    const out: Val[] = [];
    let j = 0;
    for (const t of types) {
      if (t === I64 && !this.big) {
        out.push(val(A.id(vars[j]), t, TEMP, null, false, 0, A.id(vars[j + 1])));
        j += 2;
      } else out.push(val(A.id(vars[j++]), t, TEMP));
    }
    return out;
  }

  /**
   * Functions keep the memory's DataView in a local `dv` (much faster than the
   * instance's `DV` in V8); the view is replaced when memory grows, which can
   * only happen in a call or `memory.grow`, after which this re-reads it.
   */
  refreshMemory(): void {
    if (!this.usesMemory) return;
    this.refresh = A.exprStmt(A.assign('dv', A.id('DV')));
    this.push(this.refresh);
  }

  /** The last `dv = DV` `refreshMemory` emitted. */
  private refresh: Stmt | null = null;

  /**
   * Before a `return` of `vals`: drops the `dv = DV` emitted just before it
   * (after the call that ends a function, `f(..); dv = DV; return x;`), when
   * no value returned reads the view: nothing reads it after the return.
   */
  protected dropRefresh(vals: Val[]): void {
    const out = this.out;
    if (this.refresh === null || out[out.length - 1] !== this.refresh) return;
    if (vals.some((v) => mentions(v.e, ['dv']) || (v.h !== null && mentions(v.h, ['dv'])))) return;
    out.pop();
  }

  // ------------------------------------------- for ops.ts lowerings (lowering.ts)

  popVal(): Val {
    return this.pop();
  }

  popVals(n: number): Val[] {
    return this.popN(n);
  }

  /**
   * Pushes the pair (lo, hi) of expressions as an i64 value, materialising
   * non-simple halves. A half may be a local's own variable (`i64.shl x 32`
   * is `(0, x)`): the value then has kind LOCAL and reads that local, so a
   * later write of the local evaluates it first (see `assignAll`).
   */
  pushI64(lo: Expr, hi: Expr): void {
    const simple = (e: Expr) => e.type === 'Identifier' || e.type === 'Literal' || (e.type === 'UnaryExpression' && e.argument.type === 'Literal');
    const l = simple(lo) ? lo : this.temp(lo);
    const h = simple(hi) ? hi : this.temp(hi);
    let reads: number[] | null = null;
    for (const e of [l, h]) {
      const x = e.type === 'Identifier' ? this.localOf(e.name) : -1;
      if (x >= 0) (reads ??= []).push(x);
    }
    this.stack.push(val(l, I64, reads === null ? TEMP : LOCAL, reads, false, 0, h));
  }

  /** The local whose variable (either half of a pair) is JS identifier `name`, or -1. */
  private localOf(name: string): number {
    if (this.localNames === null) {
      this.localNames = new Map();
      for (let x = 0; x < this.locals.count; x++) {
        this.localNames.set(this.localRef(x), x);
        if (this.locals.type(x) === I64) this.localNames.set(this.localHi(x), x);
      }
    }
    return this.localNames.get(name) ?? -1;
  }
}

/** Whether expression `e` reads any of the JS variables `names` (identifiers, or the object of a member access). */
function mentions(e: Expr, names: string[]): boolean {
  switch (e.type) {
    case 'Identifier':
      return names.includes(e.name);
    case 'Literal':
      return false;
    case 'MemberExpression':
      return mentions(e.object, names) || (e.computed && mentions(e.property, names));
  }
  for (const key in e) {
    if (key === 'loc') continue;
    const c = (e as any)[key];
    if (Array.isArray(c)) {
      if (c.some((x) => x !== null && typeof x.type === 'string' && mentions(x, names))) return true;
    } else if (c !== null && typeof c === 'object' && typeof c.type === 'string' && mentions(c, names)) return true;
  }
  return false;
}
