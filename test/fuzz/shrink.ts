/**
 * The shrinker: reduces a failing case (module and calls) while it keeps
 * failing the same way, by greedy passes repeated until none makes progress:
 *
 * - drop calls before the failing one (the calls after it go at once);
 * - delete functions (their calls become constants), exports nobody calls,
 *   globals, data and element segments nobody uses, unused locals, and fuel
 *   guards of functions without loops or calls (which cannot run away);
 * - per instruction, in pre-order (big cuts first): delete a run of
 *   statements, replace a tree by a zero constant of its type, by one of its
 *   operands of the same type, unwrap a block (splice its body, or keep its
 *   only value), turn an `if` into a block of one arm, simplify constants,
 *   offsets and alignments, shorten `br_table`s or make them drops of their
 *   index, drop an operand of a dropped tree, splice a dropped block's
 *   statements.
 *
 * Every candidate must encode, validate natively and keep gen.ts's NaN
 * discipline before `check` runs it; nodes marked `fixed` (fuel guards) are
 * never touched, so every candidate still terminates.
 */
import { cloneModule, type Func, type Instr, type Module, type ValType } from './ast.js';
import { encodeModule } from './encode.js';
import { type Call } from './gen.js';
import { checkNanDiscipline, konst, node, zero } from './instrs.js';

/** A case: a module and the calls made on it, the failing one last. */
export interface Case {
  module: Module;
  calls: Call[];
}

/**
 * Runs a candidate: returns the index of the call that fails the same way as
 * the original failure (0 for a failure at compile or instantiation time),
 * or null when the candidate does not fail that way.
 */
export type Check = (c: Case, bytes: Uint8Array) => number | null;

/** Options of `shrink`. */
export interface ShrinkOptions {
  /** Stop after this long (default 60 s); the result is still a failing case. */
  timeLimitMs?: number;
  /** Progress messages. */
  log?: (msg: string) => void;
}

/** What `shrink` returns: the smallest failing case found, and how many candidates it tried and kept. */
export interface ShrinkResult {
  case: Case;
  tries: number;
  accepted: number;
}

/** Instruction count of a module (its size as the shrinker sees it). */
export function moduleSize(m: Module): number {
  let n = 0;
  const count = (body: Instr[]) => {
    for (const ins of body) {
      n++;
      count(ins.args);
      if (ins.body) count(ins.body);
      if (ins.else) count(ins.else);
    }
  };
  for (const f of m.funcs) count(f.body);
  return n + m.globals.length + m.datas.length + m.elems.length;
}

/** Where an instruction is: the array holding it and its index there. */
interface Slot {
  arr: Instr[];
  i: number;
  /** In a statement list (a body or arm) rather than an operand list. */
  list: boolean;
}

/** The k-th non-fixed instruction of `f` in pre-order, or null. */
function locate(f: Func, k: number): Slot | null {
  let n = 0;
  let found: Slot | null = null;
  const visit = (arr: Instr[], list: boolean): boolean => {
    for (let i = 0; i < arr.length; i++) {
      const ins = arr[i]!;
      if (ins.fixed) continue;
      if (n++ === k) {
        found = { arr, i, list };
        return true;
      }
      if (visit(ins.args, false)) return true;
      if (ins.body && visit(ins.body, true)) return true;
      if (ins.else && visit(ins.else, true)) return true;
    }
    return false;
  };
  visit(f.body, true);
  return found;
}

function countNodes(f: Func): number {
  let n = 0;
  const visit = (arr: Instr[]) => {
    for (const ins of arr) {
      if (ins.fixed) continue;
      n++;
      visit(ins.args);
      if (ins.body) visit(ins.body);
      if (ins.else) visit(ins.else);
    }
  };
  visit(f.body);
  return n;
}

function forEachInstr(body: Instr[], f: (ins: Instr) => void): void {
  for (const ins of body) {
    f(ins);
    forEachInstr(ins.args, f);
    if (ins.body) forEachInstr(ins.body, f);
    if (ins.else) forEachInstr(ins.else, f);
  }
}

function maxLabel(f: Func): number {
  let m = 0;
  forEachInstr(f.body, (ins) => { if (ins.label !== undefined) m = Math.max(m, ins.label); });
  return m;
}

function targets(f: Func, label: number): boolean {
  let t = false;
  forEachInstr(f.body, (ins) => {
    if (ins.target === label || ins.targets?.includes(label)) t = true;
  });
  return t;
}

/** A tree leaving `types` with no effects: a constant, or a block of constants. */
function zeros(f: Func, types: ValType[]): Instr | null {
  if (types.length === 0) return null;
  if (types.length === 1) return zero(types[0]!);
  return { op: 'block', args: [], out: [...types], type: { params: [], results: [...types] }, label: maxLabel(f) + 1, body: types.map(zero) };
}

const SIMPLE: Record<ValType, (number | bigint)[]> = {
  i32: [0, 1, -1, 2],
  i64: [0n, 1n, -1n, 2n],
  f32: [0, 0x3f800000, 0x40000000],
  f64: [0n, 0x3ff0000000000000n, 0x4000000000000000n],
};

/** Simpler constants to try in place of `v` (type `t`): those before it in SIMPLE, or all of them when it is not there. */
function simplerValues(t: ValType, v: number | bigint): (number | bigint)[] {
  const list = SIMPLE[t];
  const i = list.indexOf(v);
  return i < 0 ? list : list.slice(0, i);
}

/** Candidate edits of the instruction at `s` in function `f` (each mutates a clone; see `shrink`). */
function nodeEdits(f: Func, s: Slot): ((f: Func, s: Slot) => void)[] {
  const ins = s.arr[s.i]!;
  const edits: ((f: Func, s: Slot) => void)[] = [];
  // Delete a run of statements starting here (a multi-value producer together with its consumers).
  if (s.list) {
    for (let n = 1; n <= 4 && s.i + n <= s.arr.length; n++) {
      if (s.arr.slice(s.i, s.i + n).some((x) => x.fixed)) break;
      edits.push((_f, t) => { t.arr.splice(t.i, n); });
    }
  }
  const single = ins.out.length === 1 ? ins.out[0]! : null;
  // Replace by a constant of its type.
  if (single && !(ins.op === `${single}.const` && (ins.value === 0 || ins.value === 0n))) {
    edits.push((_f, t) => { t.arr[t.i] = zero(single); });
  }
  // Replace a multi-value tree (in a list) by a block of constants; a block or loop taking its params
  // from the list loses the trees before it that push them.
  if (s.list && ins.out.length > 1) {
    edits.push((g, t) => { t.arr[t.i] = zeros(g, t.arr[t.i]!.out)!; });
  }
  const stackParams = (ins.op === 'block' || ins.op === 'loop' || ins.op === 'if') && ins.type!.params.length > ins.args.length - (ins.op === 'if' ? 1 : 0)
    ? ins.type!.params.length : 0;
  if (s.list && stackParams > 0 && s.i >= stackParams && s.arr.slice(s.i - stackParams, s.i).every((x) => x.out.length === 1 && !x.fixed)) {
    edits.push((g, t) => {
      const z = zeros(g, t.arr[t.i]!.out);
      t.arr.splice(t.i - stackParams, stackParams + 1, ...(z ? [z] : []));
    });
  }
  // Replace by an operand leaving the same types (out of a NaN helper call only when the NaN discipline still holds).
  ins.args.forEach((a, j) => {
    if (a.out.length === ins.out.length && a.out.every((x, k) => x === ins.out[k]) && !a.fixed) {
      edits.push((_f, t) => { t.arr[t.i] = t.arr[t.i]!.args[j]!; });
    }
  });
  if (ins.op === 'block' || ins.op === 'loop' || ins.op === 'if') {
    const free = !targets(f, ins.label!);
    if (ins.op === 'if') {
      // An if becomes a block of one of its arms (the condition dropped).
      for (const arm of ['body', 'else'] as const) {
        edits.push((_f, t) => {
          const x = t.arr[t.i]!;
          t.arr[t.i] = { ...x, op: 'block', args: x.args.slice(0, -1), body: x[arm] ?? [], else: undefined };
        });
      }
    }
    if (free && ins.op !== 'if' && ins.type!.params.length === 0 && ins.args.length === 0) {
      // Unwrap: splice the body into the list, or keep a lone value.
      if (s.list) edits.push((_f, t) => { t.arr.splice(t.i, 1, ...unguarded(t.arr[t.i]!.body!)); });
      const b = ins.body!;
      if (b.length === 1 && b[0]!.out.length === ins.out.length) edits.push((_f, t) => { t.arr[t.i] = t.arr[t.i]!.body![0]!; });
    }
    if (ins.op === 'loop' && free) {
      // A loop nobody branches back to is a block, which needs no fuel guard.
      edits.push((_f, t) => {
        const x = t.arr[t.i]!;
        t.arr[t.i] = { ...x, op: 'block', body: unguarded(x.body!) };
      });
    }
  }
  if (ins.op.endsWith('.const') && single) {
    for (const v of simplerValues(single, ins.value!)) edits.push((_f, t) => { t.arr[t.i] = konst(single, v); });
  }
  if (ins.offset !== undefined && ins.offset !== 0) edits.push((_f, t) => { t.arr[t.i]!.offset = 0; });
  if (ins.align !== undefined) {
    const natural = Math.log2(widthOf(ins.op));
    if (ins.align !== natural) edits.push((_f, t) => { t.arr[t.i]!.align = natural; });
  }
  if (ins.op === 'drop') {
    // A dropped tree: drop one of its operands instead; a dropped block's statements stand alone.
    ins.args[0]!.args.forEach((a, j) => {
      if (a.out.length === 1 && !a.fixed) edits.push((_f, t) => { t.arr[t.i] = node('drop', [t.arr[t.i]!.args[0]!.args[j]!], []); });
    });
    const b = ins.args[0]!;
    if (s.list && b.op === 'block' && b.type!.params.length === 0 && b.args.length === 0 && b.body!.length > 0 && !targets(f, b.label!)) {
      edits.push((_f, t) => {
        const body = t.arr[t.i]!.args[0]!.body!;
        t.arr.splice(t.i, 1, ...body.slice(0, -1), node('drop', [body[body.length - 1]!], []));
      });
    }
  }
  // A br_table that carries no value becomes a drop of its index, so the blocks it targets can go.
  if (ins.op === 'br_table' && ins.args.length === 1 && ins.out.length === 0) {
    edits.push((_f, t) => { t.arr[t.i] = node('drop', [t.arr[t.i]!.args[0]!], []); });
  }
  if (ins.op === 'br_table' && ins.targets!.length > 1) {
    for (let j = 0; j < ins.targets!.length - 1; j++) edits.push((_f, t) => { t.arr[t.i]!.targets!.splice(j, 1); });
  }
  if (ins.op === 'select' && ins.selectType) edits.push((_f, t) => { delete t.arr[t.i]!.selectType; });
  return edits;
}

function widthOf(op: string): number {
  const m = /(8|16|32)_[su]$|store(8|16|32)$/.exec(op);
  if (m) return Number(m[1] ?? m[2]) / 8;
  return op.startsWith('i64') || op.startsWith('f64') ? 8 : 4;
}

/** Deletes function `fi`: calls to it become constants, table entries go, later indices shift. */
function deleteFunc(m: Module, fi: number): void {
  for (const f of m.funcs) {
    const fix = (arr: Instr[]) => {
      for (let i = 0; i < arr.length; i++) {
        const ins = arr[i]!;
        fix(ins.args);
        if (ins.body) fix(ins.body);
        if (ins.else) fix(ins.else);
        if (ins.op === 'call' && ins.index === fi) {
          const z = zeros(f, ins.out);
          if (z) arr[i] = z;
          else arr.splice(i--, 1);
        } else if (ins.op === 'call' && ins.index! > fi) ins.index!--;
      }
    };
    fix(f.body);
  }
  for (const e of m.elems) e.funcs = e.funcs.filter((x) => x !== fi).map((x) => (x > fi ? x - 1 : x));
  m.elems = m.elems.filter((e) => e.funcs.length > 0);
  m.funcs.splice(fi, 1);
}

/** Uses of global, data and local indices, to delete unused ones. */
function renumber(m: Module, kind: 'global' | 'data', removed: number): void {
  for (const f of m.funcs) {
    forEachInstr(f.body, (ins) => {
      const uses = kind === 'global' ? ins.op === 'global.get' || ins.op === 'global.set' : ins.op === 'memory.init' || ins.op === 'data.drop';
      if (uses && ins.index! > removed) ins.index!--;
    });
  }
}

function used(m: Module, pred: (ins: Instr) => boolean): boolean {
  let u = false;
  for (const f of m.funcs) forEachInstr(f.body, (ins) => { if (pred(ins)) u = true; });
  return u;
}

/** Whether a function can run away without its fuel guard: it has a loop or calls something other than the (loop-free) NaN helpers. */
function needsGuard(m: Module, f: Func): boolean {
  let n = false;
  forEachInstr(f.body, (ins) => {
    if (ins.op === 'loop' || ins.op === 'call_indirect' || (ins.op === 'call' && !m.funcs[ins.index!]?.fixed)) n = true;
  });
  return n;
}

/** A body without the fuel guard it starts with, if any. */
function unguarded(body: Instr[]): Instr[] {
  return body[0]?.fixed && body[1]?.fixed ? body.slice(2) : body;
}

/**
 * Shrinks `c` (see the file comment) while `check` says it fails the same
 * way. `c` must fail to begin with.
 */
export function shrink(c: Case, check: Check, opts: ShrinkOptions = {}): ShrinkResult {
  const deadline = Date.now() + (opts.timeLimitMs ?? 60_000);
  let cur: Case = { module: cloneModule(c.module), calls: [...c.calls] };
  let tries = 0;
  let accepted = 0;

  /** Tries a candidate; on success it becomes the current case (calls after the failing one dropped). */
  const attempt = (cand: Case): boolean => {
    if (Date.now() > deadline) return false;
    tries++;
    if (checkNanDiscipline(cand.module) !== null) return false;
    let bytes: Uint8Array;
    try {
      bytes = encodeModule(cand.module);
    } catch {
      return false;
    }
    if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) return false;
    const k = check(cand, bytes);
    if (k === null) return false;
    cur = { module: cand.module, calls: cand.calls.slice(0, k + 1) };
    accepted++;
    return true;
  };
  const withModule = (edit: (m: Module) => void): boolean => {
    const m = cloneModule(cur.module);
    edit(m);
    return attempt({ module: m, calls: cur.calls });
  };

  let progress = true;
  while (progress && Date.now() < deadline) {
    const before = moduleSize(cur.module) + cur.calls.length;
    const acceptedBefore = accepted;

    // Calls before the failing one: halves, then one by one.
    for (let chunk = Math.max(1, Math.floor((cur.calls.length - 1) / 2)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
      for (let i = 0; i + chunk < cur.calls.length; ) {
        const calls = [...cur.calls.slice(0, i), ...cur.calls.slice(i + chunk)];
        if (!attempt({ module: cur.module, calls })) i += chunk;
      }
    }

    // Functions not called from outside.
    for (let fi = cur.module.funcs.length - 1; fi >= 0; fi--) {
      const f = cur.module.funcs[fi]!;
      if (f.export !== undefined && cur.calls.some((x) => x.export === f.export)) continue;
      withModule((m) => deleteFunc(m, fi));
    }
    // Exports nobody calls.
    cur.module.funcs.forEach((f, fi) => {
      if (f.export !== undefined && !cur.calls.some((x) => x.export === f.export)) withModule((m) => { delete m.funcs[fi]!.export; });
    });
    // Fuel guards of functions that cannot run away without them; then the fuel global if unused.
    cur.module.funcs.forEach((f, fi) => {
      if (f.body[0]?.fixed && f.body[0].op === 'if' && f.body[1]?.fixed && !needsGuard(cur.module, f)) withModule((m) => { m.funcs[fi]!.body.splice(0, 2); });
    });
    if (!used(cur.module, (ins) => ins.op === 'global.get' && ins.index === 0 && ins.fixed !== true) && !cur.module.funcs.some((f) => needsGuard(cur.module, f))) {
      withModule((m) => {
        for (const f of m.funcs) f.body = f.body.filter((ins) => !(ins.fixed && ins.op === 'global.set' && ins.index === 0));
      });
    }
    // Globals, data and element segments.
    for (let gi = cur.module.globals.length - 1; gi >= 0; gi--) {
      if (!used(cur.module, (ins) => (ins.op === 'global.get' || ins.op === 'global.set') && ins.index === gi)) {
        withModule((m) => { m.globals.splice(gi, 1); renumber(m, 'global', gi); });
      } else if (!cur.module.globals[gi]!.fixed) {
        const g = cur.module.globals[gi]!;
        if (g.value !== 0 && g.value !== 0n) withModule((m) => { m.globals[gi]!.value = g.type === 'i64' || g.type === 'f64' ? 0n : 0; });
      }
    }
    for (let di = cur.module.datas.length - 1; di >= 0; di--) {
      if (!used(cur.module, (ins) => (ins.op === 'memory.init' || ins.op === 'data.drop') && ins.index === di)) {
        withModule((m) => { m.datas.splice(di, 1); renumber(m, 'data', di); });
      }
      const d = cur.module.datas[di];
      if (d && d.bytes.length > 1) withModule((m) => { m.datas[di]!.bytes = d.bytes.slice(0, d.bytes.length >> 1); });
      if (d && d.bytes.some((b) => b !== 0)) withModule((m) => { m.datas[di]!.bytes = d.bytes.map(() => 0); });
    }
    for (let ei = cur.module.elems.length - 1; ei >= 0; ei--) withModule((m) => { m.elems.splice(ei, 1); });
    if (cur.module.table && !used(cur.module, (ins) => ins.op === 'call_indirect') && cur.module.elems.length === 0) withModule((m) => { m.table = null; });
    if (cur.module.memory && cur.module.datas.length === 0 && !used(cur.module, (ins) => ins.op.includes('load') || ins.op.includes('store') || ins.op.startsWith('memory.'))) {
      withModule((m) => { m.memory = null; });
    }

    // Instructions.
    for (let fi = 0; fi < cur.module.funcs.length; fi++) {
      // NaN helpers too: checkNanDiscipline rejects changing one that still canonicalises an operator.
      for (let k = 0; k < countNodes(cur.module.funcs[fi]!); k++) {
        const s = locate(cur.module.funcs[fi]!, k);
        if (!s) break;
        const edits = nodeEdits(cur.module.funcs[fi]!, s);
        for (const edit of edits) {
          const m = cloneModule(cur.module);
          const f = m.funcs[fi]!;
          const t = locate(f, k)!;
          edit(f, t);
          if (attempt({ module: m, calls: cur.calls })) break;
        }
        if (Date.now() > deadline) break;
      }
    }

    // Unused locals (cosmetic: fewer declarations).
    cur.module.funcs.forEach((f, fi) => {
      for (let li = f.locals.length - 1; li >= 0; li--) {
        const idx = f.type.params.length + li;
        if (used({ ...cur.module, funcs: [f] }, (ins) => ins.op.startsWith('local.') && ins.index === idx)) continue;
        withModule((m) => {
          const g = m.funcs[fi]!;
          g.locals.splice(li, 1);
          forEachInstr(g.body, (ins) => { if (ins.op.startsWith('local.') && ins.index! > idx) ins.index!--; });
        });
      }
    });

    const after = moduleSize(cur.module) + cur.calls.length;
    // Another pass while any edit was kept: one that leaves the size (a br_table's target, a
    // br_table as a drop) can let the next pass remove more (the blocks it targeted).
    progress = accepted > acceptedBefore;
    opts.log?.(`shrink: size ${before} -> ${after} (${tries} tries)`);
  }
  return { case: cur, tries, accepted };
}
