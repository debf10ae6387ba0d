/**
 * Encodes a fuzzer module (ast.ts) into the wasm binary format (spec 5).
 * The type section holds every function type, then every block type that
 * needs a type index and every `call_indirect` signature, in order of first
 * appearance (`collectTypes`, which the text printer shares so both number
 * types alike).
 */
import { leb, section, vec, HEADER } from '../util/wasm-bytes.js';
import { MEM_BY_NAME, NUM_BY_NAME, sigKey, walk, type FuncType, type Instr, type Module, type ValType } from './ast.js';

const VALTYPE_BYTE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

/** Signed LEB128 of an integer (number or BigInt). */
export function sleb(v: number | bigint): number[] {
  let n = BigInt(v);
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Whether a block type is encoded as a type index (params, or more than one result). */
export function needsTypeIndex(t: FuncType): boolean {
  return t.params.length > 0 || t.results.length > 1;
}

/**
 * The module's type section: each function's type, then the block types that
 * need an index and the `call_indirect` signatures, deduplicated, in order of
 * first appearance.
 */
export function collectTypes(m: Module): FuncType[] {
  const types: FuncType[] = [];
  const seen = new Map<string, number>();
  const add = (t: FuncType) => {
    const k = sigKey(t);
    if (!seen.has(k)) {
      seen.set(k, types.length);
      types.push(t);
    }
  };
  for (const f of m.funcs) add(f.type);
  for (const f of m.funcs) {
    walk(f.body, (ins) => {
      if (ins.op === 'call_indirect' || ((ins.op === 'block' || ins.op === 'loop' || ins.op === 'if' || ins.op === 'try') && needsTypeIndex(ins.type!))) add(ins.type!);
    });
  }
  for (const t of m.tags ?? []) add({ params: t, results: [] });
  return types;
}

/** Index of `t` in `types` (which must hold it). */
export function typeIndex(types: FuncType[], t: FuncType): number {
  const k = sigKey(t);
  const i = types.findIndex((u) => sigKey(u) === k);
  if (i < 0) throw new Error(`encode: type ${k} not collected`);
  return i;
}

function f32Bytes(bits: number): number[] {
  return [bits & 0xff, (bits >>> 8) & 0xff, (bits >>> 16) & 0xff, (bits >>> 24) & 0xff];
}

function f64Bytes(bits: bigint): number[] {
  const out: number[] = [];
  for (let i = 0n; i < 64n; i += 8n) out.push(Number((bits >> i) & 0xffn));
  return out;
}

/** Bytes of a constant instruction for `t` with value `v` (ast.ts encoding of values). */
export function constBytes(t: ValType, v: number | bigint): number[] {
  switch (t) {
    case 'i32': return [0x41, ...sleb(v as number)];
    case 'i64': return [0x42, ...sleb(v as bigint)];
    case 'f32': return [0x43, ...f32Bytes(v as number)];
    case 'f64': return [0x44, ...f64Bytes(BigInt.asUintN(64, v as bigint))];
  }
}

/** Encodes one function body's instructions; `labels` holds the ids of the enclosing labels, innermost last. */
class BodyEncoder {
  readonly out: number[] = [];
  private readonly labels: number[] = [-1];
  constructor(private readonly types: FuncType[]) {}

  private depth(id: number): number {
    const i = this.labels.lastIndexOf(id);
    if (i < 0) throw new Error(`encode: branch to label ${id} outside its block`);
    return this.labels.length - 1 - i;
  }

  private blockType(t: FuncType): number[] {
    if (needsTypeIndex(t)) return sleb(typeIndex(this.types, t));
    return t.results.length === 0 ? [0x40] : [VALTYPE_BYTE[t.results[0]!]];
  }

  seq(body: Instr[]): void {
    for (const ins of body) this.instr(ins);
  }

  instr(ins: Instr): void {
    const o = this.out;
    for (const a of ins.args) this.instr(a);
    const num = NUM_BY_NAME.get(ins.op);
    if (num) {
      o.push(num.code[0]!);
      if (num.code.length > 1) o.push(...leb(num.code[1]!));
      return;
    }
    const memop = MEM_BY_NAME.get(ins.op);
    if (memop) {
      o.push(memop.code, ...leb(ins.align!), ...leb(ins.offset!));
      return;
    }
    switch (ins.op) {
      case 'i32.const': case 'i64.const': case 'f32.const': case 'f64.const':
        o.push(...constBytes(ins.op.slice(0, 3) as ValType, ins.value!));
        return;
      case 'block': case 'loop':
        o.push(ins.op === 'block' ? 0x02 : 0x03, ...this.blockType(ins.type!));
        this.labels.push(ins.label!);
        this.seq(ins.body!);
        this.labels.pop();
        o.push(0x0b);
        return;
      case 'if':
        o.push(0x04, ...this.blockType(ins.type!));
        this.labels.push(ins.label!);
        this.seq(ins.body!);
        if (ins.else && ins.else.length > 0) {
          o.push(0x05);
          this.seq(ins.else);
        }
        this.labels.pop();
        o.push(0x0b);
        return;
      case 'try': {
        o.push(0x06, ...this.blockType(ins.type!));
        this.labels.push(ins.label!);
        this.seq(ins.body!);
        for (const c of ins.catches ?? []) {
          o.push(...(c.tag < 0 ? [0x19] : [0x07, ...leb(c.tag)]));
          this.seq(c.body);
        }
        this.labels.pop();
        if (ins.delegate !== undefined) o.push(0x18, ...leb(this.depth(ins.delegate)));
        else o.push(0x0b);
        return;
      }
      case 'throw': o.push(0x08, ...leb(ins.index!)); return;
      case 'rethrow': o.push(0x09, ...leb(this.depth(ins.target!))); return;
      case 'br': o.push(0x0c, ...leb(this.depth(ins.target!))); return;
      case 'br_if': o.push(0x0d, ...leb(this.depth(ins.target!))); return;
      case 'br_table': {
        const ds = ins.targets!.map((t) => this.depth(t));
        o.push(0x0e, ...leb(ds.length - 1));
        for (const d of ds) o.push(...leb(d));
        return;
      }
      case 'unreachable': o.push(0x00); return;
      case 'nop': o.push(0x01); return;
      case 'return': o.push(0x0f); return;
      case 'call': o.push(0x10, ...leb(ins.index!)); return;
      case 'call_indirect': o.push(0x11, ...leb(typeIndex(this.types, ins.type!)), 0x00); return;
      case 'drop': o.push(0x1a); return;
      case 'select':
        if (ins.selectType) o.push(0x1c, 1, VALTYPE_BYTE[ins.selectType]);
        else o.push(0x1b);
        return;
      case 'local.get': o.push(0x20, ...leb(ins.index!)); return;
      case 'local.set': o.push(0x21, ...leb(ins.index!)); return;
      case 'local.tee': o.push(0x22, ...leb(ins.index!)); return;
      case 'global.get': o.push(0x23, ...leb(ins.index!)); return;
      case 'global.set': o.push(0x24, ...leb(ins.index!)); return;
      case 'memory.size': o.push(0x3f, 0x00); return;
      case 'memory.grow': o.push(0x40, 0x00); return;
      case 'memory.init': o.push(0xfc, 8, ...leb(ins.index!), 0x00); return;
      case 'data.drop': o.push(0xfc, 9, ...leb(ins.index!)); return;
      case 'memory.copy': o.push(0xfc, 10, 0x00, 0x00); return;
      case 'memory.fill': o.push(0xfc, 11, 0x00); return;
      default:
        throw new Error(`encode: unknown instruction ${ins.op}`);
    }
  }
}

function name(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...leb(b.length), ...b];
}

function limits(min: number, max: number | null): number[] {
  return max === null ? [0x00, ...leb(min)] : [0x01, ...leb(min), ...leb(max)];
}

function usesDataIndex(m: Module): boolean {
  let uses = false;
  for (const f of m.funcs) walk(f.body, (ins) => { if (ins.op === 'memory.init' || ins.op === 'data.drop') uses = true; });
  return uses;
}

/** The wasm binary of `m`. Throws on a branch to a label that does not enclose it. */
export function encodeModule(m: Module): Uint8Array {
  const types = collectTypes(m);
  const out: number[] = [...HEADER];
  const functype = (t: FuncType) => [0x60, ...vec(t.params.map((p) => [VALTYPE_BYTE[p]])), ...vec(t.results.map((r) => [VALTYPE_BYTE[r]]))];
  out.push(...section(1, vec(types.map(functype))));
  if (m.funcs.length > 0) out.push(...section(3, vec(m.funcs.map((f) => leb(typeIndex(types, f.type))))));
  if (m.table) out.push(...section(4, vec([[0x70, ...limits(m.table.min, m.table.max)]])));
  if (m.memory) out.push(...section(5, vec([limits(m.memory.min, m.memory.max)])));
  if (m.tags && m.tags.length > 0) out.push(...section(13, vec(m.tags.map((t) => [0x00, ...leb(typeIndex(types, { params: t, results: [] }))]))));
  if (m.globals.length > 0) {
    out.push(...section(6, vec(m.globals.map((g) => [VALTYPE_BYTE[g.type], g.mutable ? 1 : 0, ...constBytes(g.type, g.value), 0x0b]))));
  }
  const exports: number[][] = [];
  if (m.memory) exports.push([...name('mem'), 0x02, 0]);
  if (m.table?.exported) exports.push([...name('tab'), 0x01, 0]);
  m.globals.forEach((_, i) => exports.push([...name(`g${i}`), 0x03, ...leb(i)]));
  m.funcs.forEach((f, i) => { if (f.export !== undefined) exports.push([...name(f.export), 0x00, ...leb(i)]); });
  out.push(...section(7, vec(exports)));
  if (m.elems.length > 0) {
    out.push(...section(9, vec(m.elems.map((e) => [0x00, ...constBytes('i32', e.offset), 0x0b, ...vec(e.funcs.map((f) => leb(f)))]))));
  }
  if (m.datas.length > 0 && usesDataIndex(m)) out.push(...section(12, leb(m.datas.length)));
  const bodies = m.funcs.map((f) => {
    const enc = new BodyEncoder(types);
    enc.seq(f.body);
    const runs: number[][] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      runs.push([...leb(j - i), VALTYPE_BYTE[f.locals[i]!]]);
      i = j;
    }
    const code = [...vec(runs), ...enc.out, 0x0b];
    return [...leb(code.length), ...code];
  });
  if (m.funcs.length > 0) out.push(...section(10, vec(bodies)));
  if (m.datas.length > 0) {
    out.push(...section(11, vec(m.datas.map((d) =>
      d.offset === null ? [0x01, ...vec(d.bytes.map((b) => [b]))] : [0x00, ...constBytes('i32', d.offset), 0x0b, ...vec(d.bytes.map((b) => [b]))],
    ))));
  }
  return new Uint8Array(out);
}
