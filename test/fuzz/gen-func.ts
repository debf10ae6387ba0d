/**
 * Function bodies of generated modules (gen.ts): FuncGen builds one body,
 * type-directed, inside the ModuleGen that holds the module so far.
 */
import { MEM_OPS, NUM_OPS, VALTYPES, type FuncType, type Instr, type MemOp, type Module, type NumOp, type ValType } from './ast.js';
import { I32_DIVISORS, SHIFTS, randI32, randValue, type NaNs, type Rng } from './rng.js';
import { konst, zero, node, HELPERS, FUEL_GLOBAL, SINK32, SINK64, FIRST_FREE_GLOBAL, canonOnly } from './instrs.js';

// ---------------------------------------------------------------------------
// Function bodies

interface Label {
  id: number;
  loop: boolean;
  /** What a branch to it carries: a loop's params, otherwise the results. */
  types: ValType[];
  /** A `try` whose handler is being generated: `rethrow` may name it. */
  catchOf?: boolean;
}

const sameTypes = (a: readonly ValType[], b: readonly ValType[]) => a.length === b.length && a.every((t, i) => t === b[i]);

export class FuncGen {
  private labels: Label[];
  private nextLabel = 1;
  private budget: number;
  private readonly hot = new Map<ValType, number>();
  readonly locals: ValType[];

  constructor(private readonly g: ModuleGen, readonly type: FuncType, locals: ValType[], budget: number) {
    this.labels = [{ id: -1, loop: false, types: type.results }];
    this.locals = [...type.params, ...locals];
    this.budget = budget;
  }

  private get r(): Rng {
    return this.g.r;
  }

  // -- leaves

  private konst(t: ValType): Instr {
    return konst(t, randValue(this.r, t, this.g.nans));
  }

  /** A local of type `t`: half the time the function's "hot" one of that type, so reads and writes of one local meet in an expression. */
  private localOf(t: ValType): number {
    const idx = this.locals.flatMap((u, i) => (u === t ? [i] : []));
    let hot = this.hot.get(t);
    if (hot === undefined) this.hot.set(t, (hot = this.r.pick(idx)));
    return this.r.bool(0.5) ? hot : this.r.pick(idx);
  }

  private leaf(t: ValType): Instr {
    const k = this.r.weighted({ konst: 4, local: 5, global: 1 });
    if (k === 'local') return node('local.get', [], [t], { index: this.localOf(t) });
    if (k === 'global') {
      const gs = this.g.m.globals.flatMap((g, i) => (g.type === t && i >= FIRST_FREE_GLOBAL ? [i] : []));
      if (gs.length > 0) return node('global.get', [], [t], { index: this.r.pick(gs) });
    }
    return this.konst(t);
  }

  // -- expressions

  /** A tree leaving exactly one value of type `t`. */
  expr(t: ValType, d: number): Instr {
    if (d <= 0 || this.budget <= 0) return this.leaf(t);
    this.budget--;
    const m = this.g.m;
    const k = this.r.weighted({
      leaf: 8, unop: 12, binop: 20, tee: 9, alias: 6, select: 4, load: m.memory ? 6 : 0, call: 3, call_indirect: m.table ? 2 : 0,
      block: 3, if: 4, loop: 2, br_if: 2, memory: t === 'i32' && m.memory ? 2 : 0, poly: 0.5, global_set: 1,
      try: this.tags.length > 0 ? 3 : 0, fields: t === 'i32' && m.memory ? 2 : 0,
    });
    switch (k) {
      case 'fields': {
        // Loads of a struct's fields at one address in a local, small offsets in any order (the byte
        // loads compiler/passes/covered.ts finds covered by an earlier one), combined by a binop.
        const x = this.localOf('i32');
        const ops = MEM_OPS.filter((o) => !o.store && o.type === 'i32');
        const field = (): Instr => node(this.r.pick(ops).name, [node('local.get', [], ['i32'], { index: x })], ['i32'], { align: 0, offset: this.r.int(9) });
        const combine = this.g.opsByResult.get('i32')!.filter((o) => o.params.length === 2 && o.params[0] === 'i32' && o.params[1] === 'i32' && !/div|rem/.test(o.name));
        let e = field();
        for (let i = this.r.range(1, 3); i > 0; i--) e = node(this.r.pick(combine).name, [e, field()], ['i32']);
        return e;
      }
      case 'unop': case 'binop': {
        const cands = this.g.opsByResult.get(t)!.filter((o) => (k === 'unop' ? o.params.length === 1 : o.params.length === 2));
        return this.numOp(this.r.pick(cands), d);
      }
      case 'tee': {
        const x = this.localOf(t);
        return node('local.tee', [this.r.bool(0.3) ? this.update(t, x, d - 1) : this.expr(t, d - 1)], [t], { index: x });
      }
      case 'alias': {
        // An operator whose operands read and write the same local (a known miscompile class: a read
        // that the compiler defers past a later write in the same expression).
        const cands = this.g.opsByResult.get(t)!.filter((o) => o.params.length === 2 && o.params[0] === o.params[1]);
        const op = this.r.pick(cands);
        const p = op.params[0]!;
        const x = this.localOf(p);
        const get = () => node('local.get', [], [p], { index: x });
        const tee = () => node('local.tee', [this.r.bool(0.4) ? this.update(p, x, d - 1) : this.expr(p, d - 1)], [p], { index: x });
        const set = () => this.wrapBlock([node('local.set', [this.expr(p, d - 1)], [], { index: x }), get()], p);
        const nested = (inner: Instr) => {
          // The read or write one operator further down.
          const ops = this.g.opsByResult.get(p)!.filter((o) => o.params.length === 2 && o.params[0] === p && o.params[1] === p);
          const o = this.r.pick(ops);
          const pair = this.r.bool() ? [inner, this.expr(p, d - 2)] : [this.expr(p, d - 2), inner];
          return this.g.wrapNan(node(o.name, pair, [p]), o);
        };
        let a = this.r.bool(0.7) ? get() : tee();
        let b = this.r.pick([tee, tee, set, get])();
        if (this.r.bool(0.3)) a = nested(a);
        if (this.r.bool(0.3)) b = nested(b);
        const args = this.r.bool(0.8) ? [a, b] : [b, a];
        return this.g.wrapNan(node(op.name, args, [op.result]), op);
      }
      case 'select': {
        const args = [this.expr(t, d - 1), this.expr(t, d - 1), this.expr('i32', d - 1)];
        return node('select', args, [t], this.r.bool() ? { selectType: t } : {});
      }
      case 'load': {
        const op = this.r.pick(MEM_OPS.filter((o) => !o.store && o.type === t));
        return this.memAccess(op, [this.address(d - 1)]);
      }
      case 'call': case 'call_indirect': {
        const r = this.call(k, [t], d);
        if (r) return r;
        break;
      }
      case 'block': case 'if': case 'loop': return this.structured(k, { params: this.blockParams(), results: [t] }, d);
      case 'try': return this.tryBlock({ params: this.blockParams(), results: [t] }, d);
      case 'br_if': {
        const ls = this.labels.filter((l) => sameTypes(l.types, [t]));
        if (ls.length === 0) break;
        const l = this.r.pick(ls);
        return node('br_if', [this.expr(t, d - 1), this.cond(l, d - 1)], [t], { target: l.id });
      }
      case 'memory':
        if (this.r.bool(0.4)) return node('memory.size', [], ['i32']);
        return node('memory.grow', [this.r.bool(0.7) ? konst('i32', this.r.pick([0, 1, 1, 2, 3, -1, 0x10000])) : this.expr('i32', d - 1)], ['i32']);
      case 'poly': return this.poly([t], d);
      case 'global_set': {
        // (block (result t) (global.set ...) expr): a write in the middle of an expression.
        const s = this.globalSet(d);
        if (!s) break;
        return this.wrapBlock([s, this.expr(t, d - 1)], t);
      }
      default: break;
    }
    return this.leaf(t);
  }

  /**
   * `op(local x, e)` for a write back to x, as in `(local.tee $x (i64.shl
   * (local.get $x) (i64.const 32)))`: shifts and rotations by the half width
   * make a pair whose halves are the local's own (a known miscompile class).
   */
  private update(t: ValType, x: number, d: number): Instr {
    const cands = this.g.opsByResult.get(t)!.filter((q) => q.params.length === 2 && q.params[0] === t);
    const shifts = cands.filter((q) => /\.(shl|shr_s|shr_u|rotl|rotr)$/.test(q.name));
    const o = shifts.length > 0 && this.r.bool(0.5) ? this.r.pick(shifts) : this.r.pick(cands);
    const get = node('local.get', [], [t], { index: x });
    return this.numOp(o, d, get);
  }

  private wrapBlock(body: Instr[], t: ValType): Instr {
    const id = this.nextLabel++;
    return node('block', [], [t], { type: { params: [], results: [t] }, label: id, body });
  }

  /** An operator with generated operands (shift counts and divisors biased to edge cases); `first` replaces the first operand. */
  private numOp(op: NumOp, d: number, first?: Instr): Instr {
    const args = op.params.map((p, i) => {
      if (i === 0 && first) return first;
      if (i === 1 && /\.(shl|shr_s|shr_u|rotl|rotr)$/.test(op.name) && this.r.bool(0.5)) {
        const s = this.r.pick(SHIFTS);
        return p === 'i64' ? konst('i64', BigInt(s)) : konst('i32', s);
      }
      if (/trunc_f/.test(op.name) && this.r.bool(0.2)) return this.konst(p);
      if (/\.(div|rem)_[su]$/.test(op.name) && i === 1) {
        // Division by zero traps; mostly keep the divisor odd so the code after it runs.
        // Constant divisors: the edge cases, and the constants an i32 division is lowered inline by
        // (any but 0 and, for div_s, -1): powers of two either sign, 10, odd ones, INT_MIN and INT_MAX.
        if (this.r.bool(0.15)) return konst(p, p === 'i64' ? this.r.pick([0n, -1n, 1n, 2n]) : this.r.pick([0, -1, 1, 2]));
        if (p === 'i32' && this.r.bool(0.15)) return konst(p, this.r.pick(I32_DIVISORS));
        if (this.r.bool(0.5)) return node(`${p}.or`, [this.expr(p, d - 1), p === 'i64' ? konst('i64', 1n) : konst('i32', 1)], [p]);
      }
      return this.expr(p, d - 1);
    });
    return this.g.wrapNan(node(op.name, args, [op.result]), op);
  }

  private memAccess(op: MemOp, args: Instr[]): Instr {
    const r = this.r;
    const natural = Math.log2(op.width);
    const align = r.bool(0.7) ? natural : r.int(natural + 1);
    const offset = r.bool(0.7) ? 0 : r.bool(0.92) ? r.range(1, 64) : r.pick([65535, 65536, 65536 - op.width, 65537, 131072 - 1, 0x7fffffff, 0xffffffff, 0xfffffff0]);
    return node(op.name, args, op.store ? [] : [op.type], { align, offset });
  }

  /** An i32 address: small, near the end of memory, huge, computed (masked or not), or in a local. */
  private address(d: number): Instr {
    const r = this.r;
    const pages = this.g.m.memory?.min ?? 1;
    const k = r.weighted({ small: 55, end: 7, huge: 2, masked: 33, raw: 3, local: 8 });
    switch (k) {
      case 'local': {
        // An address kept in a local and read again by later accesses at other offsets (the
        // byte loads compiler/passes/covered.ts finds covered): written now and then, small or
        // near the end of memory.
        const x = this.localOf('i32');
        if (r.bool(0.7)) return node('local.get', [], ['i32'], { index: x });
        return node('local.tee', [konst('i32', r.bool() ? r.int(256) : pages * 65536 - r.int(80))], ['i32'], { index: x });
      }
      case 'small': return konst('i32', r.int(256));
      case 'end': return konst('i32', (r.bool(0.8) ? pages : pages + 1) * 65536 - r.int(17));
      case 'huge': return konst('i32', r.pick([-1, -4, -8, 0x7fffffff, 0x80000000 | 0, 65536, 131072, 0x10000000]));
      case 'masked': {
        const masks = [0xff, 0xfff, 0xfff8, ...(pages >= 1 ? [0xffff] : []), ...(pages >= 2 ? [0x1ffff] : [])];
        return node('i32.and', [this.expr('i32', d), konst('i32', r.pick(masks))], ['i32']);
      }
      default: return this.expr('i32', d);
    }
  }

  private blockParams(): ValType[] {
    return this.r.bool(0.2) ? Array.from({ length: this.r.range(1, 2) }, () => this.r.pick(VALTYPES)) : [];
  }

  /** Trees leaving exactly `types`, in order (single values, multi-value calls or blocks). */
  producers(types: ValType[], d: number): Instr[] {
    const out: Instr[] = [];
    for (let i = 0; i < types.length; ) {
      const rest = types.length - i;
      if (rest >= 2 && d > 0 && this.budget > 0 && this.r.bool(0.25)) {
        const n = this.r.range(2, rest);
        const ts = types.slice(i, i + n);
        const viaCall = this.r.bool(0.5) ? this.call(this.r.bool(0.7) ? 'call' : 'call_indirect', ts, d) : null;
        out.push(viaCall ?? this.structured(this.r.pick(['block', 'if', 'loop'] as const), { params: this.blockParams(), results: ts }, d));
        i += n;
        continue;
      }
      out.push(this.expr(types[i]!, d));
      i++;
    }
    return out;
  }

  /** A call (direct or indirect) whose results are exactly `results`, or null when no function has them. */
  private call(kind: 'call' | 'call_indirect', results: ValType[], d: number): Instr | null {
    const m = this.g.m;
    const cands = this.g.callable.filter((i) => sameTypes(m.funcs[i]!.type.results, results));
    if (kind === 'call') {
      if (cands.length === 0) return null;
      const f = this.r.pick(cands);
      const t = m.funcs[f]!.type;
      return node('call', this.producers(t.params, d - 1), results, { index: f });
    }
    if (!m.table) return null;
    // Mostly a signature some function has (so calls can match), sometimes another one (a mismatch).
    const sig: FuncType = cands.length > 0 && this.r.bool(0.8)
      ? m.funcs[this.r.pick(cands)]!.type
      : { params: Array.from({ length: this.r.int(3) }, () => this.r.pick(VALTYPES)), results };
    const r = this.r;
    // Mostly a slot holding a function of that signature, so most calls go through.
    const matching = m.elems.flatMap((e) => e.funcs.flatMap((f, j) => (sameTypes(m.funcs[f]!.type.params, sig.params) && sameTypes(m.funcs[f]!.type.results, sig.results) ? [e.offset + j] : [])));
    if (matching.length > 0 && r.bool(0.9)) return node('call_indirect', [...this.producers(sig.params, d - 1), konst('i32', r.pick(matching))], results, { type: sig });
    if (matching.length === 0 && cands.length > 0 && r.bool(0.7)) return this.call('call', results, d);
    const index = r.bool(0.6)
      ? konst('i32', r.bool(0.85) ? r.int(m.table.min) : r.pick([m.table.min, m.table.min + 1, -1, 0x7fffffff]))
      : r.bool(0.5) ? node('i32.and', [this.expr('i32', d - 1), konst('i32', 7)], ['i32']) : this.expr('i32', d - 1);
    return node('call_indirect', [...this.producers(sig.params, d - 1), index], results, { type: sig });
  }

  /** A tree after which the stack is polymorphic: unreachable, br, return or br_table. */
  private poly(slot: ValType[], d: number): Instr {
    const handlers = this.labels.filter((l) => l.catchOf);
    const k = this.r.weighted({ unreachable: 1, br: 5, return: 2, br_table: 3, throw: this.tags.length > 0 ? 4 : 0, rethrow: handlers.length > 0 ? 2 : 0 });
    if (k === 'unreachable') return node('unreachable', [], slot);
    if (k === 'throw') {
      const tag = this.r.int(this.tags.length);
      return node('throw', this.producers(this.tags[tag]!, d - 1), slot, { index: tag });
    }
    if (k === 'rethrow') return node('rethrow', [], slot, { target: this.r.pick(handlers).id });
    if (k === 'return') return node('return', this.producers(this.labels[0]!.types, d - 1), slot);
    // Mostly forward: an unconditional branch back to a loop runs it until the fuel is out.
    const fwd = this.labels.filter((x) => !x.loop);
    const l = this.r.bool(0.8) ? this.r.pick(fwd) : this.r.pick(this.labels);
    if (k === 'br') return node('br', this.producers(l.types, d - 1), slot, { target: l.id });
    const same = this.labels.filter((x) => sameTypes(x.types, l.types));
    const targets = Array.from({ length: this.r.range(1, 4) }, () => this.r.pick(same).id);
    const index = this.r.bool(0.5) ? konst('i32', this.r.range(-1, targets.length + 1)) : this.expr('i32', d - 1);
    return node('br_table', [...this.producers(l.types, d - 1), index], slot, { targets });
  }

  /**
   * The condition of a branch to `l`. Back to a loop: mostly one that turns
   * false after a few iterations (the fuel falling below a threshold, or a
   * comparison), so loops end without eating all the fuel and the code after
   * them runs.
   */
  private cond(l: Label | undefined, d: number): Instr {
    if (!l?.loop) return this.expr('i32', d);
    const k = this.r.weighted({ fuel: 5, cmp: 3, any: 1 });
    if (k === 'fuel') return node('i32.gt_s', [node('global.get', [], ['i32'], { index: FUEL_GLOBAL }), konst('i32', this.g.fuel - this.r.range(2, 12))], ['i32']);
    if (k === 'cmp') {
      const op = this.r.pick(NUM_OPS.filter((o) => o.result === 'i32' && /\.(eqz|eq|ne|[lg][te]_[su]|[lg][te])$/.test(o.name)));
      return this.numOp(op, d);
    }
    return this.expr('i32', d);
  }

  /** The fuel guard at a function entry or loop header: return default results when the fuel is out, else take one unit. */
  guard(): Instr[] {
    const results = this.labels[0]!.types;
    const fuel = () => node('global.get', [], ['i32'], { index: FUEL_GLOBAL });
    const check = node('if', [node('i32.le_s', [fuel(), konst('i32', 0)], ['i32'])], [], {
      type: { params: [], results: [] }, label: this.nextLabel++, body: [node('return', results.map(zero), [])], else: [], fixed: true,
    });
    const take = node('global.set', [node('i32.sub', [fuel(), konst('i32', 1)], ['i32'])], [], { index: FUEL_GLOBAL, fixed: true });
    return [check, take];
  }

  /** Statements folding every local into the sink globals (a function's epilogue), so their final values are compared. */
  sinks(): Instr[] {
    return this.locals.map((t, i) => {
      const wide = t === 'i64' || t === 'f64';
      const it: ValType = wide ? 'i64' : 'i32';
      const g = wide ? SINK64 : SINK32;
      let v = node('local.get', [], [t], { index: i });
      if (t === 'f32' || t === 'f64') v = node(`${it}.reinterpret_${t}`, [v], [it]);
      const mixed = node(`${it}.rotl`, [node('global.get', [], [it], { index: g }), wide ? konst('i64', 7n) : konst('i32', 7)], [it]);
      return node('global.set', [node(`${it}.xor`, [mixed, v], [it])], [], { index: g });
    });
  }

  /** A block, loop or if with block type `bt`, its params pushed by its args. */
  structured(kind: 'block' | 'loop' | 'if', bt: FuncType, d: number): Instr {
    const args = this.producers(bt.params, d - 1);
    if (kind === 'if') args.push(this.expr('i32', d - 1));
    const id = this.nextLabel++;
    this.labels.push({ id, loop: kind === 'loop', types: kind === 'loop' ? bt.params : bt.results });
    const body = this.body(bt, d - 1, kind === 'loop' ? id : null);
    let els: Instr[] | undefined;
    if (kind === 'if') els = sameTypes(bt.params, bt.results) && this.r.bool(0.3) ? [] : this.body(bt, d - 1, null);
    this.labels.pop();
    return node(kind, args, [...bt.results], { type: bt, label: id, body, ...(els ? { else: els } : {}) });
  }

  /** The module's tags (payload types), empty without exceptions. */
  private get tags(): ValType[][] {
    return this.g.m.tags ?? [];
  }

  /**
   * A `try` with block type `bt`: its body, then handlers (`catch` of a tag,
   * whose body starts with the payload; `catch_all`), or a `delegate` to an
   * enclosing label.
   */
  tryBlock(bt: FuncType, d: number): Instr {
    const args = this.producers(bt.params, d - 1);
    const id = this.nextLabel++;
    const label: Label = { id, loop: false, types: bt.results };
    this.labels.push(label);
    const body = this.body(bt, d - 1, null);
    const r = this.r;
    let catches: { tag: number; body: Instr[] }[] | undefined;
    let delegate: number | undefined;
    if (r.bool(0.2)) delegate = r.pick(this.labels.slice(0, -1)).id;
    else {
      catches = [];
      label.catchOf = true;
      for (let n = r.int(3); n > 0; n--) {
        const tag = r.int(this.tags.length);
        catches.push({ tag, body: this.body({ params: this.tags[tag]!, results: bt.results }, d - 1, null) });
      }
      if (catches.length === 0 || r.bool(0.5)) catches.push({ tag: -1, body: this.body({ params: [], results: bt.results }, d - 1, null) });
      label.catchOf = false;
    }
    this.labels.pop();
    return node('try', args, [...bt.results], { type: bt, label: id, body, ...(catches ? { catches } : { delegate }) });
  }

  /**
   * A block body: consumes the params already on the stack, runs a few
   * statements, and leaves `bt.results`. A loop body (`loop` = its label)
   * starts with the fuel guard and may branch back at its end.
   */
  body(bt: FuncType, d: number, loop: number | null): Instr[] {
    const items: Instr[] = [];
    if (loop !== null) items.push(...this.guard());
    const { params, results } = bt;
    let passThrough = false;
    if (params.length > 0) {
      const mode = this.r.weighted({ save: 5, pass: sameTypes(params, results) ? 3 : 0, stackop: params.length === 1 && results.length === 1 ? 3 : 0 });
      if (mode === 'pass') passThrough = true;
      else if (mode === 'stackop') {
        // An operator whose first operand is the param on the stack.
        const p = params[0]!, t = results[0]!;
        const cands = NUM_OPS.filter((o) => o.params[0] === p && o.result === t);
        if (cands.length > 0) {
          const stmts = this.stmts(d);
          const op = this.r.pick(cands);
          const rest = op.params.slice(1).map((q) => this.expr(q, d - 1));
          return [...items, ...stmts, this.g.wrapNan(node(op.name, rest, [t]), op)];
        }
        for (let i = params.length - 1; i >= 0; i--) items.push(node('local.set', [], [], { index: this.localOf(params[i]!) }));
      } else {
        for (let i = params.length - 1; i >= 0; i--) {
          items.push(this.r.bool(0.8) ? node('local.set', [], [], { index: this.localOf(params[i]!) }) : node('drop', [], []));
        }
      }
    }
    items.push(...this.stmts(d));
    if (loop !== null && !passThrough && this.r.bool(0.75)) {
      const cond = this.cond(this.labels.find((l) => l.id === loop), d - 1);
      if (params.length === 0) items.push(node('br_if', [cond], [], { target: loop }));
      else {
        items.push(node('br_if', [...this.producers(params, d - 1), cond], [...params], { target: loop }));
        for (let i = 0; i < params.length; i++) items.push(node('drop', [], []));
      }
    }
    if (passThrough) return items;
    if (this.r.bool(0.06)) items.push(this.poly([], d));
    else items.push(...this.producers(results, d));
    return items;
  }

  private stmts(d: number): Instr[] {
    const out: Instr[] = [];
    const n = this.budget > 0 ? this.r.range(0, 3) : 0;
    for (let i = 0; i < n; i++) out.push(...this.stmt(d));
    return out;
  }

  private globalSet(d: number): Instr | null {
    const gs = this.g.m.globals.flatMap((g, i) => (g.mutable && i >= FIRST_FREE_GLOBAL ? [i] : []));
    if (gs.length === 0) return null;
    const i = this.r.pick(gs);
    return node('global.set', [this.expr(this.g.m.globals[i]!.type, d - 1)], [], { index: i });
  }

  /** Stores the values `types` left on the stack into locals (or drops them), last first. */
  private destructure(types: ValType[]): Instr[] {
    const out: Instr[] = [];
    for (let i = types.length - 1; i >= 0; i--) {
      out.push(this.r.bool(0.75) ? node('local.set', [], [], { index: this.localOf(types[i]!) }) : node('drop', [], []));
    }
    return out;
  }

  /** Statements: trees leaving nothing (or values consumed right after). */
  stmt(d: number): Instr[] {
    if (this.budget <= 0) return [];
    this.budget--;
    const m = this.g.m;
    const r = this.r;
    const k = r.weighted({
      set: 10, global: 4, store: m.memory ? 8 : 0, drop: 3, if: 5, block: 3, loop: 4, call: 4, br_if: 3,
      bulk: m.memory ? 3 : 0, poly: this.tags.length > 0 ? 2 : 1, multi: 2, dispatch: d > 1 ? 1 : 0, try: this.tags.length > 0 ? 3 : 0,
    });
    switch (k) {
      case 'set': {
        const i = r.bool(0.5) ? r.int(this.locals.length) : this.localOf(r.pick(VALTYPES));
        const t = this.locals[i]!;
        return [node('local.set', [r.bool(0.3) ? this.update(t, i, d - 1) : this.expr(t, d - 1)], [], { index: i })];
      }
      case 'global': {
        const s = this.globalSet(d);
        if (s) return [s];
        break;
      }
      case 'store': {
        const op = r.pick(MEM_OPS.filter((o) => o.store));
        return [this.memAccess(op, [this.address(d - 1), this.expr(op.type, d - 1)])];
      }
      case 'drop': return [node('drop', [this.expr(r.pick(VALTYPES), d - 1)], [])];
      case 'if': case 'block': case 'loop': case 'try': {
        const results = r.bool(0.7) ? [] : Array.from({ length: r.range(1, 3) }, () => r.pick(VALTYPES));
        const bt = { params: this.blockParams(), results };
        const s = k === 'try' ? this.tryBlock(bt, d) : this.structured(k, bt, d);
        return [s, ...this.destructure(results)];
      }
      case 'call': {
        // Mostly the results of some function (so there is one to call), sometimes any (an indirect call that cannot match).
        const results = r.bool(0.9) ? [...m.funcs[r.pick(this.g.callable)]!.type.results] : Array.from({ length: r.range(0, 3) }, () => r.pick(VALTYPES));
        const c = this.call(r.bool(0.7) ? 'call' : 'call_indirect', results, d) ?? this.call('call_indirect', results, d);
        if (c) return [c, ...this.destructure(results)];
        break;
      }
      case 'br_if': {
        const ls = this.labels.filter((l) => l.types.length === 0);
        if (ls.length > 0) {
          const l = r.pick(ls);
          return [node('br_if', [this.cond(l, d - 1)], [], { target: l.id })];
        }
        break;
      }
      case 'bulk': return [this.bulk(d)];
      case 'dispatch': return this.dispatch(d);
      case 'poly': return [this.poly([], d)];
      case 'multi': {
        const types = Array.from({ length: r.range(2, 3) }, () => r.pick(VALTYPES));
        return [...this.producers(types, d - 1), ...this.destructure(types)];
      }
      default: break;
    }
    const i = r.int(this.locals.length);
    return [node('local.set', [this.expr(this.locals[i]!, d - 1)], [], { index: i })];
  }

  /**
   * An interpreter's dispatch: `br_table` at the bottom of 9 to 14 nested
   * blocks, and after each block's end its arm (statements, then falling
   * through to the next arm or branching out). The split pass outlines such
   * arms one by one (compiler/passes/split.ts dispatchLevels).
   */
  private dispatch(d: number): Instr[] {
    const r = this.r;
    const n = r.range(9, 14);
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(this.nextLabel++);
      this.labels.push({ id: ids[i]!, loop: false, types: [] });
    }
    const empty = { params: [], results: [] };
    const outer = this.labels.filter((l) => l.types.length === 0 && !ids.includes(l.id));
    const targets = [...ids].reverse().concat(outer.length > 0 && r.bool(0.5) ? [r.pick(outer).id] : []);
    const index = r.bool(0.7) ? node('i32.and', [this.expr('i32', d - 1), konst('i32', 15)], ['i32']) : this.expr('i32', d - 1);
    let inner = node('block', [], [], { type: empty, label: ids[n - 1]!, body: [node('br_table', [index], [], { targets })] });
    this.labels.pop();
    const arm = (): Instr[] => {
      const out = [...this.stmts(d - 1), ...this.stmts(d - 1)];
      const exits = this.labels.filter((l) => l.types.length === 0 && (!l.loop || r.bool(0.3)));
      if (exits.length > 0 && r.bool(0.6)) out.push(node('br', [], [], { target: r.pick(exits).id }));
      return out;
    };
    for (let k = n - 2; k >= 0; k--) {
      inner = node('block', [], [], { type: empty, label: ids[k]!, body: [inner, ...arm()] });
      this.labels.pop();
    }
    return [inner, ...arm()];
  }

  private bulk(d: number): Instr {
    const r = this.r;
    const m = this.g.m;
    const len = () => (r.bool(0.8) ? konst('i32', r.pick([0, 1, 2, 3, 4, 7, 8, 16, 31, 64, 100, 256])) : r.bool(0.5) ? konst('i32', randI32(r)) : this.expr('i32', d - 1));
    const k = r.weighted({ fill: 4, copy: 4, init: m.datas.length ? 3 : 0, drop: m.datas.length ? 1 : 0 });
    if (k === 'fill') return node('memory.fill', [this.address(d - 1), this.expr('i32', d - 1), len()], []);
    if (k === 'copy') return node('memory.copy', [this.address(d - 1), this.address(d - 1), len()], []);
    const seg = r.int(m.datas.length);
    if (k === 'drop') return node('data.drop', [], [], { index: seg });
    return node('memory.init', [this.address(d - 1), konst('i32', r.bool(0.8) ? r.int(m.datas[seg]!.bytes.length + 1) : randI32(r)), len()], [], { index: seg });
  }
}

// ---------------------------------------------------------------------------
// Modules

export class ModuleGen {
  readonly m: Module = { funcs: [], globals: [], memory: null, table: null, elems: [], datas: [] };
  /** Functions generated code may call: the helpers and the generated functions (not the wrappers). */
  callable: number[] = [];
  readonly opsByResult = new Map<ValType, NumOp[]>(VALTYPES.map((t) => [t, NUM_OPS.filter((o) => o.result === t)]));
  constructor(readonly r: Rng, readonly nans: NaNs, readonly fuel: number) {}

  /** Wraps an operator's tree in its NaN helper call when the operator has a nondeterministic NaN. */
  wrapNan(ins: Instr, op: NumOp): Instr {
    if (!op.nan) return ins;
    const t = op.result as 'f32' | 'f64';
    const strict = ins.args.length === op.params.length && ins.args.every((a) => canonOnly(this.m, a));
    const idx = HELPERS.indexOf(`${strict ? 'strict' : 'canon'}_${t}`);
    return node('call', [ins], [t], { index: idx });
  }
}
