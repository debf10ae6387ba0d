/**
 * Builds a function's IR (ir.ts) in one walk of its validated body: the one
 * place in the backend that follows wasm's control structure and operand
 * stack instruction by instruction. Everything after it (the passes, the
 * lowering) walks the tree.
 *
 * The walk keeps a stack of pending operands. An instruction with one result
 * and no effect on control becomes a pending tree (its args popped off the
 * stack); any other becomes a root of the current list, after the pending
 * trees below its args are made roots too (`flush`), in order, so no
 * computation moves past another. The module must have been validated: the
 * walk trusts the typing (stack heights, label arities).
 */
import { Func, OP, STACK, STRUCT, HANDLER, ELSE_LIVE, END_LIVE, SLOT, STRIDE } from './ir.js';
import type { Module } from '../module.js';
import { Reader } from '../decode/reader.js';
import { readInstr, readLocals, newInstr, blockValType, type Instr } from '../decode/code.js';
import { OPS } from '../opcodes.js';
import { I32, FUNCREF, type FuncType, type ValType } from '../types.js';
import { CompileError } from '../../runtime/errors.js';

const { KIND, OPC, OFFSET, A, B, C, LO, HI, ARG, NEXT, RES, TYPE, DEPTH_BODY, FLAGS, ALT, ELSE_AT, END_AT } = SLOT;

interface Frame {
  /** The STRUCT node (0 for the function body). */
  node: number;
  /** Where the construct stands: the list to go back to at its end. */
  owner: number;
  slot: number;
  tail: number;
  /** Stack height below its params. */
  height: number;
  /** Types a branch to it carries: a loop's params, else its results. */
  label: ValType[];
  results: ValType[];
  /** An `if`'s params (STACK nodes), copied for its else-arm. */
  params: number[];
  /** A `try`'s last HANDLER so far (0: none yet). */
  handler: number;
}

/**
 * Operand trees taller than this become roots (their consumer takes a
 * STACK operand), so every walk can recurse on trees. The lowering evaluates
 * expressions this deep into temporaries anyway (lower/stack.ts MAX_EXPR_DEPTH).
 */
export const MAX_TREE_DEPTH = 64;

let scratch = new Int32Array(256);

const NAMED = new Map<number, string>();
for (const o of OPS) if (o.params === null) NAMED.set(o.id, o.name);

/**
 * The IR of defined function `funcidx` of `m` (validated). Throws
 * `CompileError` only for bodies validation would have rejected.
 */
export function buildFunc(m: Module, funcidx: number): Func {
  return new Builder(m, funcidx).run();
}

class Builder {
  private readonly m: Module;
  private readonly funcidx: number;
  private readonly type: FuncType;
  private readonly r: Reader;
  private readonly fn: Func;
  private readonly ins: Instr = newInstr();
  /** Pending operands (node numbers), `sp` of them (one array for every build: builds never nest). */
  private stack = scratch;
  private sp = 0;
  /** Entries of `stack` below this index are all STACK nodes. */
  private settled = 0;
  /** The list being built: the STRUCT owning it and its slot (0: the function body), and its last node. */
  private owner = 0;
  private slot = 0;
  private tail = 0;
  private frames: Frame[] = [];
  private dead = false;
  private deadDepth = 0;

  constructor(m: Module, funcidx: number) {
    this.m = m;
    this.funcidx = funcidx;
    this.type = m.types[m.funcTypes[funcidx]!]!;
    const i = funcidx - m.numImportedFuncs;
    this.r = new Reader(m.bytes, m.bodyStart[i]!, m.bodyEnd[i]!);
    this.r.funcIndex = funcidx;
    const locals = readLocals(this.r, this.type.params);
    this.fn = new Func(funcidx, locals, this.r.pos, this.r.end);
  }

  run(): Func {
    const { r, ins } = this;
    const results = this.type.results;
    this.frames.push({ node: 0, owner: 0, slot: 0, tail: 0, height: 0, label: results, results, params: [], handler: 0 });
    while (this.frames.length > 0) {
      readInstr(r, ins);
      if (this.dead) this.skip(OPS[ins.op]!.name);
      else this.instr();
    }
    return this.fn;
  }

  /** Unreachable code: only the `else`/`end` that closes it matters. */
  private skip(name: string): void {
    if (name === 'block' || name === 'loop' || name === 'if' || name === 'try') this.deadDepth++;
    else if (name === 'end' || name === 'delegate') {
      if (this.deadDepth > 0) this.deadDepth--;
      else if (name === 'end') this.end();
      else this.delegate();
    } else if (this.deadDepth === 0) {
      if (name === 'else') this.else_();
      else if (name === 'catch' || name === 'catch_all') this.catch_();
    }
  }

  private instr(): void {
    const ins = this.ins;
    const o = OPS[ins.op]!;
    if (o.params !== null) {
      this.op(o.params.length, o.results!, o.cost === 'control');
      return;
    }
    const name = NAMED.get(ins.op)!;
    const m = this.m;
    switch (name) {
      case 'unreachable': return this.branch(0);
      case 'block': case 'loop': case 'if': case 'try': return this.enter(name);
      case 'else': return this.else_();
      case 'catch': case 'catch_all': return this.catch_();
      case 'delegate': return this.delegate();
      case 'throw': return this.branch(m.types[m.tags[ins.a]!]!.params.length);
      case 'rethrow': return this.branch(0);
      case 'end': return this.end();
      case 'br': return this.branch(this.target(ins.a).length);
      case 'br_table': return this.branch(this.target(ins.c).length + 1);
      case 'return': return this.branch(this.type.results.length);
      case 'br_if': {
        const label = this.target(ins.a);
        return this.op(label.length + 1, label, true);
      }
      case 'call': {
        const t = m.types[m.funcTypes[ins.a]!]!;
        return this.op(t.params.length, t.results, false);
      }
      case 'call_indirect': {
        const t = m.types[ins.a]!;
        return this.op(t.params.length + 1, t.results, false);
      }
      case 'drop': return this.op(1, [], false);
      case 'select': case 'select_t': return this.op(3, [this.fn.type(this.stack[this.sp - 3]!)], false);
      case 'local.get': return this.op(0, [this.fn.locals.type(ins.a)], false);
      case 'local.set': return this.op(1, [], false);
      case 'local.tee': return this.op(1, [this.fn.locals.type(ins.a)], false);
      case 'global.get': return this.op(0, [m.globalTypes[ins.a]!.type], false);
      case 'global.set': return this.op(1, [], false);
      case 'table.get': return this.op(1, [m.tables[ins.a]!.elem], false);
      case 'table.set': return this.op(2, [], false);
      case 'table.grow': return this.op(2, [I32], false);
      case 'table.fill': return this.op(3, [], false);
      case 'ref.null': return this.op(0, [ins.a], false);
      case 'ref.is_null': return this.op(1, [I32], false);
      case 'ref.func': return this.op(0, [FUNCREF], false);
    }
    throw new CompileError(`${name} is not supported by the compiler yet`, ins.offset, this.funcidx);
  }

  /** Types a branch to label `depth` carries. */
  private target(depth: number): ValType[] {
    return this.frames[this.frames.length - 1 - depth]!.label;
  }

  /**
   * A new row for the current instruction: kind `kind`, first operand `arg`,
   * `results`, `type`, and `depth` (OP) or 0; every slot written.
   */
  private row(kind: number, arg: number, results: number, type: number, depth: number): number {
    const { fn, ins } = this;
    const n = fn.add(kind, true);
    const d = fn.d;
    const at = n * STRIDE;
    d[at + OPC] = ins.op;
    d[at + OFFSET] = ins.offset;
    d[at + A] = ins.a;
    d[at + B] = ins.b;
    d[at + C] = ins.c;
    d[at + LO] = ins.lo;
    d[at + HI] = ins.hi;
    d[at + ARG] = arg;
    d[at + NEXT] = 0;
    d[at + RES] = results;
    d[at + TYPE] = type;
    d[at + DEPTH_BODY] = depth;
    d[at + FLAGS] = 0;
    d[at + ALT] = 0;
    d[at + ELSE_AT] = -1;
    d[at + END_AT] = 0;
    return n;
  }

  /** The current instruction as an OP taking `nargs` operands; a root unless it has one result and `root` is false. */
  private op(nargs: number, results: ValType[], root: boolean): void {
    const fn = this.fn;
    const s = this.stack;
    const base = this.sp - nargs;
    // Chain the operands, bottom of the stack first.
    const d = fn.d;
    let depth = 1;
    for (let k = base; k < this.sp; k++) {
      const a = s[k]!;
      const at = a * STRIDE;
      if (k + 1 < this.sp) d[at + NEXT] = s[k + 1]!;
      if (d[at + KIND] === OP && d[at + DEPTH_BODY]! >= depth) depth = d[at + DEPTH_BODY]! + 1;
    }
    const first = nargs > 0 ? s[base]! : 0;
    this.sp = base;
    if (this.settled > base) this.settled = base;
    const n = this.row(OP, first, results.length, results.length > 0 ? results[0]! : 0, depth);
    if (results.length === 1 && !root && depth < MAX_TREE_DEPTH) {
      this.push(n);
      return;
    }
    this.root(n);
    for (let k = 0; k < results.length; k++) this.push(this.stackValue(n, k, results[k]!));
    this.settled = this.sp;
  }

  private push(n: number): void {
    if (this.sp === this.stack.length) {
      const s = new Int32Array(this.stack.length * 2);
      s.set(this.stack);
      this.stack = scratch = s;
    }
    this.stack[this.sp++] = n;
  }

  /** An instruction after which the rest of the block is unreachable. */
  private branch(nargs: number): void {
    this.op(nargs, [], true);
    this.dead = true;
  }

  /** Makes the pending trees roots, in stack order, then appends `node` to the list. */
  private root(node: number): void {
    this.flush();
    this.append(node);
  }

  private append(node: number): void {
    const fn = this.fn;
    if (this.tail !== 0) fn.set(this.tail, NEXT, node);
    else if (this.owner === 0) fn.head = node;
    else fn.set(this.owner, this.slot, node);
    this.tail = node;
  }

  private flush(): void {
    const { fn, stack: s } = this;
    for (let i = this.settled; i < this.sp; i++) {
      const v = s[i]!;
      if (fn.kind(v) === STACK) continue;
      this.append(v);
      s[i] = this.stackValue(v, 0, fn.type(v));
    }
    this.settled = this.sp;
  }

  private stackValue(from: number, index: number, type: ValType): number {
    const fn = this.fn;
    const n = fn.add(STACK);
    const at = n * STRIDE;
    fn.d[at + ARG] = from;
    fn.d[at + RES] = index;
    fn.d[at + TYPE] = type;
    return n;
  }

  private blockType(a: number): [ValType[], ValType[]] {
    if (a >= 0) {
      const t = this.m.types[a]!;
      return [t.params, t.results];
    }
    const b = blockValType(a);
    return b === 0x40 ? [[], []] : [[], [b]];
  }

  private enter(name: 'block' | 'loop' | 'if' | 'try'): void {
    const { fn, stack: s } = this;
    const [params, results] = this.blockType(this.ins.a);
    const cond = name === 'if' ? s[--this.sp]! : 0;
    if (this.settled > this.sp) this.settled = this.sp;
    const n = this.row(STRUCT, cond, results.length, 0, 0);
    this.root(n);
    const height = this.sp - params.length;
    this.frames.push({
      node: n, owner: this.owner, slot: this.slot, tail: this.tail, height, label: name === 'loop' ? params : results, results,
      params: name === 'if' ? Array.from(s.subarray(height, this.sp)) : [], handler: 0,
    });
    if (this.frames.length - 1 > fn.depth) fn.depth = this.frames.length - 1;
    this.openList(n, DEPTH_BODY);
  }

  /** Appends what follows to a new list: slot `slot` (DEPTH_BODY, ALT) of node `owner`. */
  private openList(owner: number, slot: number): void {
    this.owner = owner;
    this.slot = slot;
    this.tail = 0;
  }

  private else_(): void {
    const fn = this.fn;
    const f = this.frames[this.frames.length - 1]!;
    if (!this.dead) this.flush();
    fn.set(f.node, ELSE_AT, this.ins.offset);
    if (!this.dead) fn.setFlag(f.node, ELSE_LIVE);
    this.dead = false;
    this.sp = f.height;
    // The else-arm takes the if's params again: new STACK nodes (a node stands in one operand list).
    for (const p of f.params) this.push(this.stackValue(fn.from(p), fn.results(p), fn.type(p)));
    this.settled = this.sp;
    this.openList(f.node, ALT);
  }

  /**
   * A `catch`, `catch_all` or `delegate` of the innermost `try`: a new HANDLER
   * after the arm before it; a `catch` starts with its tag's payload (STACK
   * nodes naming the HANDLER).
   */
  private catch_(): void {
    const fn = this.fn;
    const f = this.frames[this.frames.length - 1]!;
    if (!this.dead) this.flush();
    const h = this.row(HANDLER, 0, 0, 0, 0);
    if (!this.dead) fn.setFlag(h, ELSE_LIVE);
    fn.set(f.handler === 0 ? f.node : f.handler, f.handler === 0 ? ALT : NEXT, h);
    f.handler = h;
    this.dead = false;
    this.sp = f.height;
    if (OPS[this.ins.op]!.name === 'catch') {
      const params = this.m.types[this.m.tags[this.ins.a]!]!.params;
      for (let k = 0; k < params.length; k++) this.push(this.stackValue(h, k, params[k]!));
    }
    this.settled = this.sp;
    this.openList(h, DEPTH_BODY);
  }

  /** `delegate`: a HANDLER with no body, at which the `try` ends (reached by falling through when its body is). */
  private delegate(): void {
    const live = !this.dead;
    this.catch_();
    this.dead = !live;
    this.end();
  }

  private end(): void {
    const fn = this.fn;
    const f = this.frames.pop()!;
    if (!this.dead) this.flush();
    const live = !this.dead;
    this.dead = false;
    if (f.node === 0) {
      fn.endOffset = this.ins.offset;
      fn.endLive = live;
      return;
    }
    fn.set(f.node, END_AT, this.ins.offset);
    if (live) fn.setFlag(f.node, END_LIVE);
    this.sp = f.height;
    for (let k = 0; k < f.results.length; k++) this.push(this.stackValue(f.node, k, f.results[k]!));
    this.settled = this.sp;
    this.owner = f.owner;
    this.slot = f.slot;
    this.tail = f.tail;
  }
}
