/**
 * Prints a fuzzer module (ast.ts) in the text format, folded (S-expressions,
 * as the trees are) or flat (one instruction a line), for reproducers. The
 * output is accepted by wabt's parser and assembles to a module equivalent
 * to encode.ts's binary (same types in the same order, same exports).
 */
import { collectTypes, typeIndex } from './encode.js';
import { MEM_BY_NAME, NUM_BY_NAME, type FuncType, type Instr, type Module, type ValType } from './ast.js';

/** Text of an f32 given as its bits. */
export function f32Text(bits: number): string {
  bits >>>= 0;
  const sign = bits >>> 31 ? '-' : '';
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x7fffff;
  if (exp === 0xff) return frac === 0 ? `${sign}inf` : `${sign}nan:0x${frac.toString(16)}`;
  const v = new Float32Array(new Uint32Array([bits]).buffer)[0]!;
  return Object.is(v, -0) ? '-0' : String(v);
}

/** Text of an f64 given as its bits (a BigInt). */
export function f64Text(bits: bigint): string {
  bits = BigInt.asUintN(64, bits);
  const sign = bits >> 63n ? '-' : '';
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  if (exp === 0x7ff) return frac === 0n ? `${sign}inf` : `${sign}nan:0x${frac.toString(16)}`;
  const v = new Float64Array(new BigUint64Array([bits]).buffer)[0]!;
  return Object.is(v, -0) ? '-0' : String(v);
}

/** Text of a constant value of type `t` (ast.ts encoding). */
export function valueText(t: ValType, v: number | bigint): string {
  switch (t) {
    case 'i32': return String(v);
    case 'i64': return String(BigInt.asIntN(64, BigInt(v)));
    case 'f32': return f32Text(v as number);
    case 'f64': return f64Text(v as bigint);
  }
}

function sigText(t: FuncType): string {
  const p = t.params.length ? ` (param ${t.params.join(' ')})` : '';
  const r = t.results.length ? ` (result ${t.results.join(' ')})` : '';
  return p + r;
}

function bytesText(bytes: number[]): string {
  let s = '"';
  for (const b of bytes) s += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : '\\' + b.toString(16).padStart(2, '0');
  return s + '"';
}

/** Prints function bodies; tracks enclosing labels to print branches to the function body by depth. */
class BodyPrinter {
  private readonly labels: number[] = [-1];
  constructor(private readonly m: Module, private readonly types: FuncType[]) {}

  private labelName(id: number): string {
    if (id !== -1) return `$L${id}`;
    return String(this.labels.length - 1 - this.labels.lastIndexOf(-1));
  }

  /** The instruction's keyword and immediates, e.g. `i32.load offset=4 align=1`. */
  head(ins: Instr): string {
    const mem = MEM_BY_NAME.get(ins.op);
    if (mem) {
      let s = ins.op;
      if (ins.offset) s += ` offset=${ins.offset}`;
      if (ins.align !== Math.log2(mem.width)) s += ` align=${2 ** ins.align!}`;
      return s;
    }
    if (NUM_BY_NAME.has(ins.op)) return ins.op;
    switch (ins.op) {
      case 'i32.const': case 'i64.const': case 'f32.const': case 'f64.const':
        return `${ins.op} ${valueText(ins.op.slice(0, 3) as ValType, ins.value!)}`;
      case 'local.get': case 'local.set': case 'local.tee': return `${ins.op} ${ins.index}`;
      case 'global.get': case 'global.set': return `${ins.op} $g${ins.index}`;
      case 'call': return `call $${this.m.funcs[ins.index!]!.name}`;
      case 'call_indirect': return `call_indirect (type $t${typeIndex(this.types, ins.type!)})`;
      case 'br': case 'br_if': return `${ins.op} ${this.labelName(ins.target!)}`;
      case 'br_table': return `br_table ${ins.targets!.map((t) => this.labelName(t)).join(' ')}`;
      case 'select': return ins.selectType ? `select (result ${ins.selectType})` : 'select';
      case 'memory.init': case 'data.drop': return `${ins.op} $d${ins.index}`;
      case 'block': case 'loop': case 'if': case 'try': return `${ins.op} $L${ins.label}${sigText(ins.type!)}`;
      case 'throw': return `throw $e${ins.index}`;
      case 'rethrow': return `rethrow ${this.labelName(ins.target!)}`;
      default: return ins.op;
    }
  }

  /** Folded lines for a sequence at `indent`. */
  foldSeq(body: Instr[], indent: string, out: string[]): void {
    for (const ins of body) this.fold(ins, indent, out);
  }

  /** Folded lines for one tree; short trees stay on one line. */
  fold(ins: Instr, indent: string, out: string[]): void {
    if (ins.op === 'try') {
      this.foldSeq(ins.args, indent, out);
      out.push(`${indent}(${this.head(ins)}`);
      this.labels.push(ins.label!);
      out.push(`${indent}  (do`);
      this.foldSeq(ins.body!, indent + '    ', out);
      out[out.length - 1] += ')';
      for (const c of ins.catches ?? []) {
        out.push(`${indent}  (${c.tag < 0 ? 'catch_all' : `catch $e${c.tag}`}`);
        this.foldSeq(c.body, indent + '    ', out);
        out[out.length - 1] += ')';
      }
      this.labels.pop();
      if (ins.delegate !== undefined) out.push(`${indent}  (delegate ${this.labelName(ins.delegate)})`);
      out[out.length - 1] += ')';
      return;
    }
    if (ins.op === 'block' || ins.op === 'loop') {
      this.foldSeq(ins.args, indent, out);
      out.push(`${indent}(${this.head(ins)}`);
      this.labels.push(ins.label!);
      this.foldSeq(ins.body!, indent + '  ', out);
      this.labels.pop();
      out[out.length - 1] += ')';
      return;
    }
    if (ins.op === 'if') {
      out.push(`${indent}(${this.head(ins)}`);
      this.foldSeq(ins.args, indent + '  ', out);
      this.labels.push(ins.label!);
      out.push(`${indent}  (then`);
      this.foldSeq(ins.body!, indent + '    ', out);
      out[out.length - 1] += ')';
      if (ins.else && ins.else.length > 0) {
        out.push(`${indent}  (else`);
        this.foldSeq(ins.else, indent + '    ', out);
        out[out.length - 1] += ')';
      }
      this.labels.pop();
      out[out.length - 1] += ')';
      return;
    }
    const inner: string[] = [];
    this.foldSeq(ins.args, indent + '  ', inner);
    const flat = inner.every((l) => !l.includes('\n')) ? inner.map((l) => l.trim()) : null;
    const one = `(${this.head(ins)}${flat && flat.length ? ' ' + flat.join(' ') : ''})`;
    if (flat && one.length + indent.length <= 100 && !inner.some((l) => l.trimStart().startsWith('(block') || l.trimStart().startsWith('(loop') || l.trimStart().startsWith('(if'))) {
      out.push(indent + one);
      return;
    }
    out.push(`${indent}(${this.head(ins)}`);
    out.push(...inner);
    out[out.length - 1] += ')';
  }

  /** Flat lines (post-order) for a sequence at `indent`. */
  flatSeq(body: Instr[], indent: string, out: string[]): void {
    for (const ins of body) this.flat(ins, indent, out);
  }

  flat(ins: Instr, indent: string, out: string[]): void {
    this.flatSeq(ins.args, indent, out);
    if (ins.op === 'try') {
      out.push(indent + this.head(ins));
      this.labels.push(ins.label!);
      this.flatSeq(ins.body!, indent + '  ', out);
      for (const c of ins.catches ?? []) {
        out.push(indent + (c.tag < 0 ? 'catch_all' : `catch $e${c.tag}`));
        this.flatSeq(c.body, indent + '  ', out);
      }
      this.labels.pop();
      out.push(indent + (ins.delegate !== undefined ? `delegate ${this.labelName(ins.delegate)}` : 'end'));
      return;
    }
    if (ins.op === 'block' || ins.op === 'loop' || ins.op === 'if') {
      out.push(indent + this.head(ins));
      this.labels.push(ins.label!);
      this.flatSeq(ins.body!, indent + '  ', out);
      if (ins.op === 'if' && ins.else && ins.else.length > 0) {
        out.push(indent + 'else');
        this.flatSeq(ins.else, indent + '  ', out);
      }
      this.labels.pop();
      out.push(indent + 'end');
      return;
    }
    out.push(indent + this.head(ins));
  }
}

/** Options of `printModule`. */
export interface PrintOptions {
  /** Folded S-expressions (default) or flat instructions. */
  folded?: boolean;
}

/** The module as WAT text (see the file comment). */
export function printModule(m: Module, opts: PrintOptions = {}): string {
  const folded = opts.folded ?? true;
  const types = collectTypes(m);
  const out: string[] = ['(module'];
  types.forEach((t, i) => out.push(`  (type $t${i} (func${sigText(t)}))`));
  if (m.memory) out.push(`  (memory (export "mem") ${m.memory.min}${m.memory.max === null ? '' : ' ' + m.memory.max})`);
  (m.tags ?? []).forEach((t, i) => out.push(`  (tag $e${i}${t.length ? ` (param ${t.join(" ")})` : ""})`));
  if (m.table) out.push(`  (table${m.table.exported ? ' (export "tab")' : ''} ${m.table.min}${m.table.max === null ? '' : ' ' + m.table.max} funcref)`);
  m.globals.forEach((g, i) => {
    const t = g.mutable ? `(mut ${g.type})` : g.type;
    out.push(`  (global $g${i} (export "g${i}") ${t} (${g.type}.const ${valueText(g.type, g.value)}))`);
  });
  for (const e of m.elems) out.push(`  (elem (i32.const ${e.offset}) func ${e.funcs.map((f) => '$' + m.funcs[f]!.name).join(' ')})`);
  m.datas.forEach((d, i) => out.push(`  (data $d${i}${d.offset === null ? '' : ` (i32.const ${d.offset})`} ${bytesText(d.bytes)})`));
  m.funcs.forEach((f) => {
    const exp = f.export === undefined ? '' : ` (export "${f.export}")`;
    const locals = f.locals.length ? ` (local ${f.locals.join(' ')})` : '';
    out.push(`  (func $${f.name}${exp} (type $t${typeIndex(types, f.type)})${sigText(f.type)}${locals}`);
    const p = new BodyPrinter(m, types);
    const lines: string[] = [];
    if (folded) p.foldSeq(f.body, '    ', lines);
    else p.flatSeq(f.body, '    ', lines);
    out.push(...lines);
    out[out.length - 1] += ')';
  });
  out[out.length - 1] += ')';
  return out.join('\n') + '\n';
}
