/**
 * Lowers one validated function body to a JS function declaration (ESTree).
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
 * by statements (see runtime/ABI.md).
 *
 * Control flow: `block` and `if` become labelled blocks/ifs, `loop` a
 * labelled `for (;;)`, `br` a `break`/`continue` after assigning the
 * branch's values to the target's variables, `br_table` a `switch`.
 * Code after an unconditional branch is skipped until the end of its block.
 */
import * as A from './ast.js';
import type { Expr, Stmt } from './ast.js';
import { CONST, TEMP, LOCAL, IMPURE, val, mergeReads, asI32, type Val, type Kind } from './values.js';
import { sigString, type ModuleEnv } from './env.js';
import { localIdentifiers } from '../emit/names.js';
import { LOWER_OPS, type OpLowering } from './ops.js';
import { FuelMeter, sandboxOps } from './fuel.js';
import { BIG_OPS, BigIntScore, BIGINT_MIN_SCORE, BIGINT_MAX_BODY, fromPair, toPair } from './i64big.js';
import { Reader } from '../decode/reader.js';
import { readInstr, readLocals, readBrTable, newInstr, blockValType, type Locals } from '../decode/code.js';
import { OPS } from '../opcodes.js';
import { I64, FUNCREF, EXTERNREF, type FuncType, type ValType } from '../types.js';
import { CompileError } from '../../runtime/errors.js';

const BLOCK = 0;
const LOOP = 1;
const IF = 2;
const ELSE = 3;
const FUNC = 4;

/** Folded expressions deeper than this are materialised (keeps printing and parsing shallow). */
const MAX_EXPR_DEPTH = 24;

/**
 * Functions whose blocks nest deeper than this are lowered flat: one
 * dispatch loop `D: for (;;) switch (st) {...}` whose cases are block ends
 * and loop heads, and branches set `st`. JS engines and printers recurse on
 * nesting and fail on deep code; this form has constant depth.
 */
export const FLAT_DEPTH = 256;

interface Frame {
  kind: number;
  label: string;
  params: ValType[];
  results: ValType[];
  /** Variables a branch to this frame assigns: loop params for loops, results otherwise. */
  branchVars: string[];
  /** Variables holding the results after the construct (loops: separate from branchVars). */
  resultVars: string[];
  /** Stack height below the params. */
  height: number;
  /** Statement list the construct is appended to when it ends. */
  outer: Stmt[];
  body: Stmt[];
  elseBody: Stmt[] | null;
  cond: Expr | null;
  /** Param values of an `if`, restored for its `else` arm. */
  paramVals: Val[];
  /** A branch targets this frame's label. */
  used: boolean;
  /** Fuel: the index of the first meter level a branch here leaves (FuelMeter.branch). */
  from: number;
  offset: number;
  /** Flat form: case numbers of the end (branch target of blocks and ifs), the loop head, the else arm. */
  endCase: number;
  headCase: number;
  elseCase: number;
}

function zeroOf(t: ValType): Expr {
  return t === FUNCREF || t === EXTERNREF ? A.NULL : A.num(0);
}

/**
 * Lowers defined function `funcidx` of `env.m` to a `function f<funcidx>(...) {...}` declaration.
 * The module must have been validated: the lowering trusts the typing.
 */
export function lowerFunction(env: ModuleEnv, funcidx: number): Stmt {
  return new FuncLowering(env, funcidx).run();
}

class FuncLowering {
  readonly env: ModuleEnv;
  private readonly funcidx: number;
  /** Identifiers of locals named in the name section (emit/names.ts); others are `l<i>`. */
  private readonly localIds: Map<number, string> | null;
  private readonly type: FuncType;
  private readonly r: Reader;
  private readonly ins = newInstr();
  private locals!: Locals;
  private stack: Val[] = [];
  private frames: Frame[] = [];
  private out: Stmt[] = [];
  /** Inside unreachable code: skip instructions. */
  private dead = false;
  /** Nesting depth of blocks opened inside unreachable code. */
  private deadDepth = 0;
  private nTemps = 0;
  private nVars = 0;
  private nLabels = 0;
  private varDecls: string[] = [];
  private brTargets: Uint32Array = new Uint32Array(16);
  /** Lowered in the flat form (see FLAT_DEPTH). */
  private flatForm = false;
  /** The body loads or stores memory: it keeps the DataView in a local `dv` (see `refreshMemory`). */
  private usesMemory = false;
  private cases: { tests: Expr[] | null; body: Stmt[] }[] = [];
  private nCases = 0;
  /** Byte offset of the instruction being lowered. */
  at = 0;
  /** Fuel metering (compile option `fuel`, see fuel.ts), or null. */
  readonly meter: FuelMeter | null;
  /** i64 values are BigInts and i64 locals live in the register file `R` (i64big.ts). */
  big = false;
  private nSlots = 0;
  /** Big form: register slot of each i64 local (else -1). */
  private localSlots: Int32Array | null = null;
  /**
   * Big form: i64 locals whose value is also in a temporary or literal,
   * since their last `local.set` in the current straight-line code. Reading
   * the temporary instead of the slot keeps a store and reload off the
   * dependency chain. Cleared at every control instruction, so a temporary
   * is never read across a merge.
   */
  private forwarded: Map<number, Expr> | null = null;
  /** JS identifier of each local's variables -> its index (`localOf`), built on first use. */
  private localNames: Map<string, number> | null = null;
  /** Lowerings replacing ops.ts's for this module (fuel.ts sandboxOps), or null. */
  private readonly overrides: (OpLowering | undefined)[] | null;

  constructor(env: ModuleEnv, funcidx: number) {
    this.env = env;
    this.funcidx = funcidx;
    const m = env.m;
    this.type = m.types[m.funcTypes[funcidx]];
    const i = funcidx - m.numImportedFuncs;
    this.r = new Reader(m.bytes, m.bodyStart[i], m.bodyEnd[i]);
    this.r.funcIndex = funcidx;
    this.localIds = localIdentifiers(m, env.funcIds, funcidx);
    const prepaid = env.prepaid ?? null;
    const nImported = m.numImportedFuncs;
    if (env.fuel && prepaid !== null) {
      const calleeEntry = (f: number) => (f < nImported ? 0 : prepaid[f - nImported]!);
      this.meter = new FuelMeter(env.fuel, env, funcidx, prepaid[i]!, calleeEntry);
    } else this.meter = null;
    this.overrides = sandboxOps(env);
  }

  run(): Stmt {
    const { type, r } = this;
    this.locals = readLocals(r, type.params);
    const bodyStart = r.pos;
    const { depth, memory, bigScore } = this.scan();
    this.flatForm = depth > this.env.flatDepth;
    this.usesMemory = memory;
    // Never in the flat form: there every temporary crossing a block would merge at the dispatch loop.
    const mode = this.env.i64 ?? 'auto';
    this.big = !this.flatForm && (mode === 'bigint' || (mode === 'auto' && bigScore >= BIGINT_MIN_SCORE && r.end - bodyStart <= BIGINT_MAX_BODY));
    if (this.big) {
      this.localSlots = new Int32Array(this.locals.count).fill(-1);
      for (let i = 0; i < this.locals.count; i++) if (this.locals.type(i) === I64) this.localSlots[i] = this.nSlots++;
      this.forwarded = new Map();
    }
    if (this.flatForm) this.newCase();
    this.frames.push(this.frame(FUNC, [], type.results, this.out, bodyStart));
    this.meter?.start(this.out, bodyStart);
    const ins = this.ins;
    while (this.frames.length > 0) {
      readInstr(r, ins);
      this.at = ins.offset;
      if (this.dead) {
        this.skipDead(OPS[ins.op].name);
        continue;
      }
      this.instr(OPS[ins.op].name);
    }
    return this.finish(bodyStart);
  }

  /**
   * A pre-pass over the body: its deepest block nesting, whether it
   * accesses memory through the DataView (loads and stores), and its
   * BigInt score (i64big.ts; a function calling itself is never lowered
   * that way: each nested activation would allocate a register file).
   */
  private scan(): { depth: number; memory: boolean; bigScore: number } {
    const r = new Reader(this.r.bytes, this.r.pos, this.r.end);
    const ins = newInstr();
    const m = this.env.m;
    const score = new BigIntScore();
    let depth = 0;
    let max = 0;
    let memory = false;
    let selfCall = false;
    while (r.pos < r.end) {
      readInstr(r, ins);
      const op = OPS[ins.op];
      if (op.width > 0) memory = true;
      else if (op.name === 'block' || op.name === 'loop' || op.name === 'if') max = Math.max(max, ++depth);
      else if (op.name === 'end') depth--;
      let sig: FuncType | null = null;
      if (op.name === 'call') {
        sig = m.types[m.funcTypes[ins.a]];
        if (ins.a === this.funcidx) selfCall = true;
      } else if (op.name === 'call_indirect') sig = m.types[ins.a];
      score.add(ins.op, sig);
    }
    return { depth: max, memory, bigScore: selfCall ? 0 : score.score };
  }

  // ---------------------------------------------------------------- output

  private finish(bodyStart: number): Stmt {
    this.meter?.resolve();
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
    if (this.meter !== null) body = this.meter.wrapBody(body);
    return A.withLoc(A.func(this.env.funcName(this.funcidx), params, body), bodyStart);
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

  private push(s: Stmt): void {
    if (s.loc === undefined) A.withLoc(s, this.at);
    this.out.push(s);
  }

  /** A fresh temporary's name, for an expression that assigns it itself. */
  newTempName(): string {
    return this.newTemp();
  }

  /** JS identifier of local `x`: `l<x>`, or from the name section. */
  private local(x: number): string {
    const id = this.localIds === null ? undefined : this.localIds.get(x);
    return id === undefined ? `l${x}` : id;
  }

  /**
   * Where local `x` is read and written: its JS identifier, or in the big
   * form for an i64 its register slot, written as the pseudo-identifier
   * `R[<slot>]` (astring prints identifiers verbatim, so it prints as the
   * element access; variables compare by name, and slots too this way).
   */
  private localRef(x: number): string {
    const s = this.localSlots === null ? -1 : this.localSlots[x];
    return s < 0 ? this.local(x) : `R[${s}]`;
  }

  /** JS identifier of the high half of i64 local `x`: `l<x>h`, or `<name>$h`. */
  private localHi(x: number): string {
    const id = this.localIds === null ? undefined : this.localIds.get(x);
    return id === undefined ? `l${x}h` : id + '$h';
  }

  private newTemp(): string {
    const name = `t${this.nTemps++}`;
    this.varDecls.push(name);
    return name;
  }

  private newVars(types: ValType[]): string[] {
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

  private pop(): Val {
    return this.stack.pop()!;
  }

  private popN(n: number): Val[] {
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
  private materialize(v: Val): Val {
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
  private spill(pred: (v: Val) => boolean): void {
    const s = this.stack;
    let impureTop = -1;
    for (let i = 0; i < s.length; i++) if (s[i].k === IMPURE && pred(s[i])) impureTop = i;
    for (let i = 0; i < s.length; i++) if (pred(s[i]) || (i < impureTop && s[i].k === IMPURE)) s[i] = this.materialize(s[i]);
  }

  spillImpure(): void {
    this.spill((v) => v.k === IMPURE);
  }

  private spillAll(): void {
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
  private flat(vals: Val[]): Expr[] {
    const out: Expr[] = [];
    for (const v of vals) {
      out.push(v.bool ? FuncLowering.i32(v) : v.e);
      if (v.h !== null) out.push(v.h);
    }
    return out;
  }

  /**
   * JS arguments for a call or a multi-value return: `flat`, except that in
   * the big form i64 BigInts become int32 pairs (impure values evaluated
   * first, in order, since the conversions are statements).
   */
  private abiArgs(vals: Val[]): Expr[] {
    if (!this.big || !vals.some((v) => v.t === I64)) return this.flat(vals);
    const out: Expr[] = [];
    for (let i = 0; i < vals.length; i++) if (vals[i].k === IMPURE) vals[i] = this.materialize(vals[i]);
    for (const v of vals) {
      if (v.t === I64) out.push(...toPair(this, v));
      else out.push(v.bool ? FuncLowering.i32(v) : v.e);
    }
    return out;
  }

  /** Assigns values to variables (i64 taking two); the values must be simple or pure. */
  private assignTo(vars: string[], vals: Val[]): void {
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
  private assignAll(targets: Expr[], exprs: Expr[]): void {
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

  private varVals(vars: string[], types: ValType[]): Val[] {
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

  // --------------------------------------------------------- control flow

  private frame(kind: number, params: ValType[], results: ValType[], outer: Stmt[], offset: number): Frame {
    return {
      kind, label: `L${this.nLabels++}`, params, results, branchVars: [], resultVars: [],
      height: this.stack.length - params.length, outer, body: [], elseBody: null, cond: null,
      paramVals: [], used: false, from: 0, offset, endCase: 0, headCase: 0, elseCase: 0,
    };
  }

  private blockType(a: number): [ValType[], ValType[]] {
    if (a >= 0) {
      const t = this.env.m.types[a];
      return [t.params, t.results];
    }
    const b = blockValType(a);
    return b === 0x40 ? [[], []] : [[], [b]];
  }

  private enter(kind: number, a: number): Frame {
    const [params, results] = this.blockType(a);
    const f = this.frame(kind, params, results, this.out, this.at);
    f.resultVars = this.newVars(results);
    f.branchVars = f.resultVars;
    // A branch to a block's end leaves the enclosing level's region; to an if's end, the arm's (see `loop` for loops).
    if (this.meter !== null) f.from = this.meter.depth() - (kind === BLOCK ? 1 : 0);
    if (this.flatForm) {
      f.endCase = this.nCases++;
      f.headCase = kind === LOOP ? this.nCases++ : 0;
      f.elseCase = kind === IF ? this.nCases++ : 0;
    }
    this.frames.push(f);
    return f;
  }

  /** Flat form: starts case `id` (a new number by default); following statements go there. */
  private newCase(id: number = this.nCases++): number {
    const c = { tests: [A.num(id)], body: [] as Stmt[] };
    this.cases.push(c);
    this.out = c.body;
    return id;
  }

  /** Flat form: `st = id; continue D;` */
  private jump(id: number): void {
    this.push(A.exprStmt(A.assign('st', A.num(id))));
    this.push(A.cont('D'));
  }

  private skipDead(name: string): void {
    if (name === 'block' || name === 'loop' || name === 'if') this.deadDepth++;
    else if (name === 'end') {
      if (this.deadDepth > 0) this.deadDepth--;
      else this.end();
    } else if (name === 'else' && this.deadDepth === 0) this.else_();
  }

  private target(depth: number): Frame {
    const f = this.frames[this.frames.length - 1 - depth];
    if (f.kind !== FUNC) f.used = true;
    return f;
  }

  /** Statements that branch to `f` with `vals` (already popped, simple or pure); `uncond`: a `br`. */
  private branch(f: Frame, vals: Val[], uncond: boolean): void {
    if (f.kind === FUNC) {
      this.meter?.branch(0, false, false);
      this.return_(vals);
      return;
    }
    this.assignTo(f.branchVars, vals);
    this.meter?.branch(f.from, f.kind === LOOP, uncond);
    if (this.flatForm) this.jump(f.kind === LOOP ? f.headCase : f.endCase);
    else this.push(f.kind === LOOP ? A.cont(f.label) : A.brk(f.label));
  }

  private arity(f: Frame): ValType[] {
    return f.kind === LOOP ? f.params : f.results;
  }

  private return_(vals: Val[]): void {
    const res = this.type.results;
    if (this.big) {
      const exprs = this.abiArgs(vals);
      if (res.length === 1 && res[0] === I64) this.push(A.exprStmt(A.assign(A.member('rt', 'hi'), exprs[1])));
      this.push(A.ret(res.length === 0 ? null : res.length === 1 ? exprs[0] : resultsArray(exprs)));
      return;
    }
    if (res.length === 0) this.push(A.ret(null));
    else if (res.length === 1) {
      const v = vals[0];
      if (v.h !== null) {
        this.push(A.exprStmt(A.assign(A.member('rt', 'hi'), v.h)));
        this.push(A.ret(v.e));
      } else this.push(A.ret(v.bool ? FuncLowering.i32(v) : v.e));
    } else this.push(A.ret(resultsArray(this.flat(vals))));
  }

  private end(): void {
    const f = this.frames.pop()!;
    if (this.meter !== null && f.kind !== BLOCK) this.meter.close();
    const live = !this.dead;
    this.dead = false;
    if (f.kind === FUNC) {
      if (live) {
        const vals = this.popN(f.results.length);
        this.return_(vals);
      }
      if (!this.flatForm) this.out = f.outer;
      return;
    }
    if (live) this.assignTo(f.resultVars, this.popN(f.results.length));
    if (this.flatForm) {
      this.endFlat(f, live);
      return;
    }
    this.out = f.outer;
    let stmt: Stmt;
    if (f.kind === LOOP) {
      f.body.push(A.brk(f.label));
      stmt = A.labeled(f.label, A.loop(f.body));
    } else if (f.kind === BLOCK) {
      if (!f.used) {
        for (const s of f.body) this.out.push(s);
        stmt = null;
      } else stmt = A.labeled(f.label, A.block(f.body));
    } else {
      let elseBody = f.elseBody;
      if (f.kind === IF && f.resultVars.length > 0) {
        // No else arm: the params pass through as results.
        const saved = this.out;
        this.out = elseBody = [];
        this.assignTo(f.resultVars, f.paramVals);
        this.out = saved;
      }
      const s = A.ifStmt(f.cond, f.body, elseBody, f.offset);
      stmt = f.used ? A.labeled(f.label, s) : s;
    }
    if (stmt !== null) this.out.push(A.withLoc(stmt, f.offset));
    if (this.meter !== null && f.kind === BLOCK && f.used) this.meter.join(this.out, this.at, live);
    this.stack.length = f.height;
    for (const v of this.varVals(f.resultVars, f.results)) this.stack.push(v);
  }

  /** Flat form of `end` for blocks, loops and ifs (results already assigned). */
  private endFlat(f: Frame, live: boolean): void {
    if (f.kind === IF) {
      // No else arm: the else path passes the params through as results.
      if (f.resultVars.length > 0) {
        if (live) this.jump(f.endCase);
        this.newCase(f.elseCase);
        this.assignTo(f.resultVars, f.paramVals);
      } else this.newCase(f.elseCase);
    }
    if (f.kind !== LOOP) this.newCase(f.endCase);
    if (this.meter !== null && f.kind === BLOCK && f.used) this.meter.join(this.out, this.at, live);
    this.stack.length = f.height;
    for (const v of this.varVals(f.resultVars, f.results)) this.stack.push(v);
  }

  private else_(): void {
    const f = this.frames[this.frames.length - 1];
    this.meter?.close();
    if (!this.dead) this.assignTo(f.resultVars, this.popN(f.results.length));
    if (this.flatForm) {
      if (!this.dead) this.jump(f.endCase);
      this.dead = false;
      f.kind = ELSE;
      this.newCase(f.elseCase);
      this.meter?.openArm(this.out, this.at);
      this.stack.length = f.height;
      for (const v of f.paramVals) this.stack.push(v);
      return;
    }
    this.dead = false;
    f.kind = ELSE;
    this.out = f.elseBody = [];
    this.meter?.openArm(this.out, this.at);
    this.stack.length = f.height;
    for (const v of f.paramVals) this.stack.push(v);
  }

  // --------------------------------------------------------- instructions

  private instr(name: string): void {
    const ins = this.ins;
    if (this.meter !== null) this.meter.count(ins.op);
    if (this.forwarded !== null && this.forwarded.size > 0 && OPS[ins.op].cost === 'control') this.forwarded.clear();
    switch (name) {
      case 'nop':
        return;
      case 'unreachable':
        this.effect(A.exprStmt(A.call('trap', [A.str('unreachable')])));
        this.dead = true;
        return;
      case 'block': {
        this.spillAll();
        const f = this.enter(BLOCK, ins.a);
        if (!this.flatForm) this.out = f.body;
        return;
      }
      case 'loop': {
        this.spillAll();
        const f = this.enter(LOOP, ins.a);
        f.branchVars = this.newVars(f.params);
        const params = this.popN(f.params.length);
        const saved = this.out;
        this.out = f.outer;
        this.assignTo(f.branchVars, params);
        this.out = saved;
        for (const v of this.varVals(f.branchVars, f.params)) this.stack.push(v);
        if (this.flatForm) this.newCase(f.headCase);
        else this.out = f.body;
        if (this.meter !== null) {
          this.meter.openLoop(this.out, this.at);
          f.from = this.meter.depth() - 1;
        }
        return;
      }
      case 'if': {
        const c = this.pop();
        this.spillAll();
        const f = this.enter(IF, ins.a);
        f.cond = FuncLowering.cond(c);
        f.paramVals = this.stack.slice(this.stack.length - f.params.length);
        if (this.flatForm) {
          const jump: Stmt[] = [A.exprStmt(A.assign('st', A.num(f.elseCase))), A.cont('D')];
          this.push(A.ifStmt(A.un('!', f.cond), jump, null));
        } else this.out = f.body;
        this.meter?.openArm(this.out, this.at);
        return;
      }
      case 'else':
        this.else_();
        return;
      case 'end':
        this.end();
        return;
      case 'br': {
        this.spillImpure();
        const f = this.target(ins.a);
        this.branch(f, this.popN(this.arity(f).length), true);
        this.dead = true;
        return;
      }
      case 'br_if': {
        const c = this.pop();
        const f = this.target(ins.a);
        const n = this.arity(f).length;
        this.spillImpure();
        const s = this.stack;
        for (let i = s.length - n; i < s.length; i++) s[i] = this.materialize(s[i]);
        const vals = s.slice(s.length - n);
        const saved = this.out;
        const body: Stmt[] = [];
        this.out = body;
        this.branch(f, vals, false);
        this.out = saved;
        this.push(A.ifStmt(FuncLowering.cond(c), body, null));
        return;
      }
      case 'br_table': {
        const idx = this.pop();
        this.spillImpure();
        const targets = (this.brTargets = readBrTable(this.env.m.bytes, ins, this.brTargets));
        const n = this.arity(this.target(ins.c)).length;
        const s = this.stack;
        for (let i = s.length - n; i < s.length; i++) s[i] = this.materialize(s[i]);
        const vals = this.popN(n);
        // Group the cases by target depth.
        const byDepth = new Map<number, Expr[]>();
        for (let i = 0; i < ins.a; i++) {
          if (targets[i] === ins.c) continue;
          let list = byDepth.get(targets[i]);
          if (!list) byDepth.set(targets[i], (list = []));
          list.push(A.num(i));
        }
        const saved = this.out;
        const cases: { tests: Expr[] | null; body: Stmt[] }[] = [];
        for (const [depth, tests] of byDepth) {
          this.out = [];
          this.branch(this.target(depth), vals, false);
          cases.push({ tests, body: this.out });
        }
        this.out = [];
        this.branch(this.target(ins.c), vals, false);
        const dflt = this.out;
        this.out = saved;
        if (cases.length === 0) {
          // Only a default: evaluate the index for its effects, then branch.
          if (idx.k === IMPURE) this.push(A.exprStmt(idx.e));
          for (const st of dflt) this.push(st);
        } else {
          cases.push({ tests: null, body: dflt });
          this.push(A.switchStmt(FuncLowering.i32(idx), cases));
        }
        this.dead = true;
        return;
      }
      case 'return': {
        this.spillImpure();
        this.meter?.branch(0, false, false);
        this.return_(this.popN(this.type.results.length));
        this.dead = true;
        return;
      }
      case 'call':
        this.call(ins.a);
        return;
      case 'call_indirect':
        this.callIndirect(ins.a, ins.b);
        return;
      case 'drop': {
        const v = this.pop();
        if (v.k === IMPURE) this.effect(A.exprStmt(v.e));
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
        this.spill((s) => s.k > TEMP && s.reads !== null && s.reads.includes(x));
        if (v.k === IMPURE) this.spillImpure();
        if (this.forwarded !== null && v.t === I64) {
          this.forwarded.delete(x);
          if (v.k > TEMP) v = this.materialize(v);
          if (v.e.type === 'Literal' || (v.e.type === 'Identifier' && !v.e.name.startsWith('R['))) this.forwarded.set(x, v.e);
        }
        const lo = v.bool ? FuncLowering.i32(v) : v.e;
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
    this.meter?.call(funcidx);
    this.emitCall(A.call(this.env.funcName(funcidx), this.abiArgs(args)), t.results, mergeReads(args), this.env.growers?.[funcidx] !== 0);
  }

  private callIndirect(typeidx: number, tableidx: number): void {
    const t = this.env.m.types[typeidx];
    const idx = this.pop();
    const args = this.popN(t.params.length);
    // The callee (and its checks) is evaluated before the arguments in JS: evaluate impure arguments first.
    for (let i = 0; i < args.length; i++) if (args[i].k === IMPURE) args[i] = this.evalNow(args[i]);
    this.spillImpure();
    const callee = A.member(A.call('callIndirect', [A.id(`E${tableidx}`), FuncLowering.i32(idx), A.str(sigString(t))]), 'fn');
    this.emitCall(A.call(callee, this.abiArgs(args)), t.results, mergeReads([...args, idx]));
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
        const v = this.temp(c);
        if (hasMemory) this.refreshMemory();
        this.stack.push(val(v, results[0], TEMP));
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

  /**
   * Functions keep the memory's DataView in a local `dv` (much faster than the
   * instance's `DV` in V8); the view is replaced when memory grows, which can
   * only happen in a call or `memory.grow`, after which this re-reads it.
   */
  refreshMemory(): void {
    if (this.usesMemory) this.push(A.exprStmt(A.assign('dv', A.id('DV'))));
  }

  private select(): void {
    const c = this.pop();
    let b = this.pop();
    let a = this.pop();
    if (a.k === IMPURE) a = this.evalNow(a);
    if (b.k === IMPURE) b = this.evalNow(b);
    const test = FuncLowering.cond(c);
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
    const e = A.cond(test, bool ? a.e : FuncLowering.i32(a), bool ? b.e : FuncLowering.i32(b));
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
    } else this.push(A.exprStmt(A.assign(cell ? A.member(`G${i}`, 'v') : A.id(`g${i}`), v.bool ? FuncLowering.i32(v) : v.e)));
  }

  // ------------------------------------------- helpers for ops.ts lowerings

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

/**
 * The array a function with several results returns (runtime/ABI.md): the
 * values, then a `null` that keeps the array generic. V8 quiets NaNs stored
 * into an array of doubles (and canonicalises them in optimised code), which
 * would change a NaN's bits between a return and its caller.
 */
function resultsArray(exprs: Expr[]): Expr {
  return A.array([...exprs, A.NULL]);
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

export type { FuncLowering as Lowering };
