/**
 * The control side of lowering one function (between StackLowering,
 * stack.ts, and FuncLowering, func.ts): control frames, branches and the two
 * forms of structured control flow.
 *
 * `block` and `if` become labelled blocks/ifs, `loop` a labelled
 * `for (;;)`, `br` a `break`/`continue` after assigning the branch's values
 * to the target's variables, `br_table` a `switch`. (Code after an
 * unconditional branch is not in the IR.) Functions
 * nested deeper than `flatDepth` are lowered in the flat form instead (one
 * dispatch loop, func.ts FLAT_DEPTH). Fuel charges are IR nodes placed by
 * the fuel pass (compiler/passes/fuel.ts); func.ts lowers them where they stand.
 */
import * as A from './ast.js';
import type { Expr, Stmt } from './ast.js';
import { IMPURE, type Val } from './values.js';
import type { ModuleEnv } from './env.js';
import { StackLowering } from './stack.js';
import { blockValType, readBrTable } from '../decode/code.js';
import type { Func } from '../ir/ir.js';
import type { Regions } from '../passes/regions.js';
import { regionSwitch, regionJump, type Region } from './region.js';
import { BLOCK, LOOP, IF, ELSE, FUNC, TRY, CATCH, CATCH_ALL, type FrameKind } from '../frames.js';
import { fromPair } from './i64big.js';
import { I32, I64, type ValType } from '../types.js';

interface Frame {
  kind: FrameKind;
  /**
   * `L<depth>`: the frame's nesting depth (the function's frame 0), unique
   * among the frames enclosing any code, which is all a JS label, a `try`'s
   * `catch (e<depth>)` and a `delegate`'s `dl` need; siblings share names,
   * so the names repeat from function to function (gzipped output 5.4%
   * smaller on sqlite.wasm, 4.0% on lua.wasm, 1.7% on sql.js).
   */
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
  offset: number;
  /** Flat form: case numbers of the end (branch target of blocks and ifs), the loop head, the else arm. */
  endCase: number;
  headCase: number;
  elseCase: number;
  /** A `try`: its body once a handler started; its handlers (`tag` -1: `catch_all`; -2: `delegate`, to the `try` labelled `target`). */
  tryBody: Stmt[] | null;
  handlers: { tag: number; target: number; body: Stmt[] }[];
  /** A `try`: `delegate`s lowered before it began (see `tryEnd`). */
  delegatesBefore: number;
  /** A block of a dispatch region (region.ts), with its place in the nest (1: innermost), or null. */
  region: Region | null;
  arm: number;
}

export class ControlLowering extends StackLowering {
  protected frames: Frame[] = [];
  /** Inside unreachable code: skip instructions. */
  protected dead = false;
  private brTargets: Uint32Array = new Uint32Array(16);
  /** Lowered in the flat form (see func.ts FLAT_DEPTH). */
  protected flatForm = false;
  /** Dispatch regions (passes/regions.ts), or null. */
  protected regions: Regions | null = null;
  /** IR node of the instruction being lowered. */
  protected node = 0;
  protected cases: { tests: Expr[] | null; body: Stmt[] }[] = [];
  private nCases = 0;
  /** `delegate`s lowered so far (a `try` whose body had one checks `dl` in its handler). */
  private nDelegates = 0;

  constructor(env: ModuleEnv, fn: Func) {
    super(env, fn);
  }

  // --------------------------------------------------------- control flow

  protected frame(kind: FrameKind, params: ValType[], results: ValType[], outer: Stmt[], offset: number): Frame {
    return {
      kind, label: `L${this.frames.length}`, params, results, branchVars: [], resultVars: [],
      height: this.stack.length - params.length, outer, body: [], elseBody: null, cond: null,
      paramVals: [], used: false, offset, endCase: 0, headCase: 0, elseCase: 0, tryBody: null, handlers: [], delegatesBefore: 0,
      region: null, arm: 0,
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

  private enter(kind: FrameKind, a: number): Frame {
    const [params, results] = this.blockType(a);
    const f = this.frame(kind, params, results, this.out, this.at);
    f.resultVars = this.newVars(results);
    f.branchVars = f.resultVars;
    if (this.flatForm) {
      f.endCase = this.nCases++;
      f.headCase = kind === LOOP ? this.nCases++ : 0;
      f.elseCase = kind === IF ? this.nCases++ : 0;
    }
    this.frames.push(f);
    return f;
  }

  /** Flat form: starts case `id` (a new number by default); following statements go there. */
  protected newCase(id: number = this.nCases++): number {
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

  /**
   * The `else` or `end` closing unreachable code (after an unconditional
   * branch): the IR holds no unreachable instruction, so nothing else comes
   * here (compiler/ir/ir.ts).
   */
  protected closeDead(name: 'else' | 'end'): void {
    if (name === 'end') this.end();
    else this.else_();
  }

  private target(depth: number): Frame {
    const f = this.frames[this.frames.length - 1 - depth];
    if (f.kind !== FUNC) f.used = true;
    return f;
  }

  /** Statements that branch to `f` with `vals` (already popped, simple or pure). */
  private branch(f: Frame, vals: Val[]): void {
    if (f.kind === FUNC) {
      this.return_(vals);
      return;
    }
    this.assignTo(f.branchVars, vals);
    if (f.region !== null) for (const s of regionJump(f.region, f.arm)) this.push(s);
    else if (this.flatForm) this.jump(f.kind === LOOP ? f.headCase : f.endCase);
    else this.push(f.kind === LOOP ? A.cont(f.label) : A.brk(f.label));
  }

  private arity(f: Frame): ValType[] {
    return f.kind === LOOP ? f.params : f.results;
  }

  private return_(vals: Val[]): void {
    const res = this.type.results;
    this.dropRefresh(vals);
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
      } else this.push(A.ret(v.bool ? StackLowering.i32(v) : v.e));
    } else this.push(A.ret(resultsArray(this.flat(vals))));
  }

  private end(): void {
    const f = this.frames.pop()!;
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
    if (f.region !== null) {
      // Arm k follows block k's end (falling through from arm k-1); after block n, the code after the region.
      this.out = f.arm < f.region.n ? f.region.arms[f.arm]! : f.outer;
      this.stack.length = f.height;
      return;
    }
    this.out = f.outer;
    let stmt: Stmt;
    if (f.kind === TRY || f.kind === CATCH || f.kind === CATCH_ALL) {
      stmt = this.tryEnd(f);
    } else if (f.kind === LOOP) {
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
    this.stack.length = f.height;
    for (const v of this.varVals(f.resultVars, f.results)) this.stack.push(v);
  }

  private else_(): void {
    const f = this.frames[this.frames.length - 1];
    if (!this.dead) this.assignTo(f.resultVars, this.popN(f.results.length));
    if (this.flatForm) {
      if (!this.dead) this.jump(f.endCase);
      this.dead = false;
      f.kind = ELSE;
      this.newCase(f.elseCase);
      this.stack.length = f.height;
      for (const v of f.paramVals) this.stack.push(v);
      return;
    }
    this.dead = false;
    f.kind = ELSE;
    this.out = f.elseBody = [];
    this.stack.length = f.height;
    for (const v of f.paramVals) this.stack.push(v);
  }

  // ---------------------------------------------------- control instructions

  /**
   * Lowers the current instruction (`this.ins`, named `name`) when it is a
   * control instruction; returns false for any other.
   */
  protected control(name: string): boolean {
    const ins = this.ins;
    switch (name) {
      case 'nop':
        return true;
      case 'unreachable':
        this.effect(A.exprStmt(A.call('trap', [A.str('unreachable')])));
        this.dead = true;
        return true;
      case 'block':
      case 'try': {
        // A `try` is a block until its first handler (never in the flat form: passes/form.ts).
        this.spillAll();
        const f = this.enter(name === 'try' ? TRY : BLOCK, ins.a);
        f.delegatesBefore = this.nDelegates;
        const k = this.regions?.place.get(this.node);
        if (k !== undefined) this.enterRegion(f, k);
        else if (!this.flatForm) this.out = f.body;
        return true;
      }
      case 'loop':
        this.loop(ins.a);
        return true;
      case 'if':
        this.if_(ins.a);
        return true;
      case 'else':
        this.else_();
        return true;
      case 'catch':
      case 'catch_all':
      case 'delegate':
        this.handler(name);
        return true;
      case 'throw':
        this.throw_(ins.a);
        return true;
      case 'rethrow': {
        this.spillImpure();
        this.push({ type: 'ThrowStatement', argument: A.id(this.catchVar(this.frames[this.frames.length - 1 - ins.a])) });
        this.dead = true;
        return true;
      }
      case 'end':
        this.end();
        return true;
      case 'br': {
        this.spillImpure();
        const f = this.target(ins.a);
        this.branch(f, this.popN(this.arity(f).length));
        this.dead = true;
        return true;
      }
      case 'br_if':
        this.brIf(ins.a);
        return true;
      case 'br_table':
        this.brTable();
        return true;
      case 'return': {
        this.spillImpure();
        this.return_(this.popN(this.type.results.length));
        this.dead = true;
        return true;
      }
      default:
        return false;
    }
  }

  // ------------------------------------------------------ exception handling

  /** The JS variable a `try`'s handlers catch into. */
  private catchVar(f: Frame): string {
    return `e${f.label.slice(1)}`;
  }

  /**
   * `catch x`, `catch_all` or `delegate` of the innermost `try` (the current
   * instruction): the arm before it ends (its results assigned, as before an
   * `else`); a `catch` arm starts with its tag's payload, read from the
   * exception into variables; a `delegate` is followed by the `try`'s `end`.
   */
  private handler(name: 'catch' | 'catch_all' | 'delegate'): void {
    const f = this.frames[this.frames.length - 1];
    if (name === 'delegate') {
      // The `end` that follows (the IR's end of the try) assigns the body's results, into the try body.
      f.tryBody = f.body;
      f.handlers.push({ tag: -2, target: this.delegateTarget(this.ins.a + 1), body: [] });
      this.nDelegates++;
      return;
    }
    if (!this.dead) this.assignTo(f.resultVars, this.popN(f.results.length));
    this.dead = false;
    if (f.tryBody === null) f.tryBody = f.body;
    const body: Stmt[] = [];
    this.out = body;
    this.stack.length = f.height;
    f.kind = name === 'catch' ? CATCH : CATCH_ALL;
    f.handlers.push({ tag: name === 'catch' ? this.ins.a : -1, target: 0, body });
    if (name === 'catch') {
      const params = this.env.m.types[this.env.m.tags[this.ins.a]].params;
      const vars = this.newVars(params);
      const args = A.id(`x${f.label.slice(1)}`);
      // The payload is in the calling convention's form: an i64 is two entries (a BigInt in the big form).
      const at = (i: number) => A.index(args, A.num(i));
      const targets: Expr[] = [];
      const exprs: Expr[] = [];
      let j = 0;
      for (const t of params) {
        if (t === I64 && this.big) {
          exprs.push(fromPair(at(j), at(j + 1)));
          j += 2;
        } else for (let k = t === I64 ? 2 : 1; k > 0; k--) exprs.push(at(j++));
      }
      for (const v of vars) targets.push(A.id(v));
      this.assignAll(targets, exprs);
      for (const v of this.varVals(vars, params)) this.stack.push(v);
    }
  }

  /**
   * The `try` a `delegate` to label `depth` (counted from inside the
   * delegating `try`) hands its exception to: the innermost `try` still in
   * its body at or outside that label (a block or a handler passes it
   * outward); its label number, or -1 for the caller.
   */
  private delegateTarget(depth: number): number {
    for (let i = this.frames.length - 1 - depth; i >= 0; i--) {
      const g = this.frames[i];
      if (g.kind === TRY) return Number(g.label.slice(1));
    }
    return -1;
  }

  /** `throw x`: the tag's payload in the internal ABI, in an array kept generic (see `resultsArray`). */
  private throw_(tag: number): void {
    const params = this.env.m.types[this.env.m.tags[tag]].params;
    const vals = this.popN(params.length);
    this.spillImpure();
    this.push(A.exprStmt(A.call('throwTag', [A.id(`Tg${tag}`), resultsArray(this.abiArgs(vals))])));
    this.dead = true;
  }

  /**
   * The statement of a `try` at its `end` (or `delegate`): the body, and its
   * handlers as a JS `catch` that first lets traps through (`caught`) and
   * re-reads the memory's view (`dv`), then tests the tags in order; an
   * exception no handler takes is thrown on. A `delegate` sets `dl` to the
   * label of the `try` that must handle it (-1: the caller) and throws it
   * on; every `try` whose body had a `delegate` first throws on what is
   * delegated past it (runtime/ABI.md "Exceptions").
   */
  private tryEnd(f: Frame): Stmt {
    if (f.tryBody === null) return f.used ? A.labeled(f.label, A.block(f.body)) : A.block(f.body);
    const e = this.catchVar(f);
    const id = Number(f.label.slice(1));
    const rethrow: Stmt = { type: 'ThrowStatement', argument: A.id(e) };
    const out: Stmt[] = [A.exprStmt(A.assign(e, A.call('caught', [A.id(e)])))];
    // The code that threw may have grown memory after the body last re-read the view.
    if (this.usesMemory) out.push(A.exprStmt(A.assign('dv', A.id('DV'))));
    if (this.nDelegates > f.delegatesBefore) {
      this.declareOnce('dl');
      out.push(A.ifStmt(A.bin('!==', A.id('dl'), A.num(0)), [A.ifStmt(A.bin('!==', A.id('dl'), A.num(id)), [rethrow], null), A.exprStmt(A.assign('dl', A.num(0)))], null));
    }
    let chain: Stmt[] = [rethrow];
    for (let i = f.handlers.length - 1; i >= 0; i--) {
      const h = f.handlers[i];
      if (h.tag === -2) {
        this.declareOnce('dl');
        chain = [A.exprStmt(A.assign('dl', A.num(h.target))), rethrow];
      } else if (h.tag === -1) chain = h.body;
      else {
        const args = `x${id}`;
        this.declareOnce(args);
        const test = A.bin('!==', A.assign(args, A.call('exnArgs', [A.id(e), A.id(`Tg${h.tag}`)])), A.NULL);
        chain = [A.ifStmt(test, h.body, chain)];
      }
    }
    out.push(...chain);
    // `wasm`: a wasm handler, after which code may go on (passes/split-vars.ts); astring ignores it.
    const s: Stmt = { type: 'TryStatement', block: A.block(f.tryBody), handler: { type: 'CatchClause', param: A.id(e), body: A.block(out) }, finalizer: null, wasm: true };
    return f.used ? A.labeled(f.label, s) : s;
  }

  /** Declares function-level variable `name` (0 initially) unless it already is. */
  private declareOnce(name: string): void {
    if (!this.varDecls.includes(name)) this.varDecls.push(name);
  }

  /** `loop` with block type `a`. */
  private loop(a: number): void {
    this.spillAll();
    const f = this.enter(LOOP, a);
    f.branchVars = this.newVars(f.params);
    const params = this.popN(f.params.length);
    const saved = this.out;
    this.out = f.outer;
    this.assignTo(f.branchVars, params);
    this.out = saved;
    for (const v of this.varVals(f.branchVars, f.params)) this.stack.push(v);
    if (this.flatForm) this.newCase(f.headCase);
    else this.out = f.body;
  }

  /** `if` with block type `a`. */
  private if_(a: number): void {
    const c = this.pop();
    this.spillAll();
    const f = this.enter(IF, a);
    f.cond = StackLowering.cond(c);
    f.paramVals = this.stack.slice(this.stack.length - f.params.length);
    if (this.flatForm) {
      const jump: Stmt[] = [A.exprStmt(A.assign('st', A.num(f.elseCase))), A.cont('D')];
      this.push(A.ifStmt(A.un('!', f.cond), jump, null));
    } else this.out = f.body;
  }

  /** `br_if` to label `depth`. */
  private brIf(depth: number): void {
    const c = this.pop();
    const f = this.target(depth);
    const n = this.arity(f).length;
    this.spillImpure();
    const s = this.stack;
    for (let i = s.length - n; i < s.length; i++) s[i] = this.materialize(s[i]);
    this.push(A.ifStmt(StackLowering.cond(c), this.branchBody(f, s.slice(s.length - n)), null));
  }

  /** The statements of a branch to `f` with `vals`, made apart from the current list. */
  private branchBody(f: Frame, vals: Val[]): Stmt[] {
    const saved = this.out;
    this.out = [];
    this.branch(f, vals);
    const body = this.out;
    this.out = saved;
    return body;
  }

  /** `br_table` (the current instruction): a `switch` whose cases branch, grouped by target. */
  private brTable(): void {
    const top = this.frames[this.frames.length - 1]!;
    if (top.region !== null && top.arm === 1) {
      this.regionTable(top.region);
      return;
    }
    const ins = this.ins;
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
    const cases: { tests: Expr[] | null; body: Stmt[] }[] = [];
    for (const [depth, tests] of byDepth) cases.push({ tests, body: this.branchBody(this.target(depth), vals) });
    const dflt = this.branchBody(this.target(ins.c), vals);
    if (cases.length === 0) {
      // Only a default: evaluate the index for its effects, then branch.
      if (idx.k === IMPURE) this.push(A.exprStmt(idx.e));
      for (const st of dflt) this.push(st);
    } else {
      cases.push({ tests: null, body: dflt });
      this.push(A.switchStmt(StackLowering.i32(idx), cases));
    }
    this.dead = true;
  }

  // ------------------------------------------------------ dispatch regions

  /**
   * Enters block `f`, the nest block at place `k` of a dispatch region
   * (passes/regions.ts): the outermost makes the region; none has a JS
   * block of its own, so the code before the `br_table` (fuel charges, the
   * innermost's code) stays in the list the region will stand in.
   */
  private enterRegion(f: Frame, k: number): void {
    const n = this.regions!.heads.get(this.node);
    f.region = n !== undefined ? { label: f.label, state: this.newVars([I32])[0]!, n, arms: [] } : this.frames[this.frames.length - 2]!.region;
    f.arm = k;
  }

  /** The `br_table` of region `r` (region.ts `regionSwitch`). */
  private regionTable(r: Region): void {
    const ins = this.ins;
    const idx = this.pop();
    this.spillImpure();
    const targets = (this.brTargets = readBrTable(this.env.m.bytes, ins, this.brTargets));
    const branchTo = (depth: number) => this.branchBody(this.target(depth), []);
    for (const s of regionSwitch(r, targets, ins.a, ins.c, StackLowering.i32(idx), ins.offset, (d) => this.target(d), branchTo)) this.push(s);
    this.dead = true;
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
