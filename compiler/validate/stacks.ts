/**
 * The operand and control stacks of function-body validation (spec appendix
 * A.3: push_val/pop_val, push_ctrl/pop_ctrl, label_types), as the base class
 * of FuncValidator (func.ts), whose loop also reads and writes them
 * directly. The operand stack is a growable `Uint8Array` of valtype bytes
 * (0 = `Unknown`, the polymorphic type of unreachable code); the control
 * stack is parallel typed arrays.
 */
import { CompileError } from '../../runtime/errors.js';
import { valTypeName, type FuncType, type ValType } from '../types.js';
import * as TY from '../types.js';
import * as FRAME from '../frames.js';

// Module-local copies: bundlers and test runners may turn imports into getters.
const UNKNOWN = TY.UNKNOWN;
const K_LOOP = FRAME.LOOP;

/** Deepest operand stack accepted (an implementation limit; real code stays far below). */
const MAX_STACK = 1 << 24;

/** Block type of an empty short-form `blocktype` (0x40), as stored in `ctrlType`. */
const BT_EMPTY = -0x40;

export class ValidatorStacks {
  protected readonly types: FuncType[];

  protected vals = new Uint8Array(1024);
  protected sp = 0;
  protected ctrlKind = new Uint8Array(64);
  /** Block type: typeidx (>= 0), or minus the short-form byte (`BT_EMPTY`, -0x7f for i32...). */
  protected ctrlType = new Int32Array(64);
  protected ctrlHeight = new Uint32Array(64);
  protected ctrlUnreach = new Uint8Array(64);
  protected csp = 0;

  protected funcIndex = 0;
  /** Offset of the instruction being validated (for errors). */
  protected at = 0;

  constructor(types: FuncType[]) {
    this.types = types;
  }

  protected fail(message: string, at: number = this.at): never {
    throw new CompileError(message, at, this.funcIndex);
  }

  protected mismatch(want: ValType, got: ValType | -1): never {
    const w = want === UNKNOWN ? 'a value' : valTypeName(want);
    this.fail(`type mismatch: expected ${w}, got ${got === -1 ? 'nothing' : valTypeName(got)}`);
  }

  // --- Operand stack (A.3 push_val / pop_val) ---

  protected push(t: ValType): void {
    if (this.sp === this.vals.length) {
      if (this.sp >= MAX_STACK) this.fail(`operand stack deeper than ${MAX_STACK} (implementation limit)`);
      const v = new Uint8Array(this.vals.length * 2);
      v.set(this.vals);
      this.vals = v;
    }
    this.vals[this.sp++] = t;
  }

  /** Pops one operand; `want` = UNKNOWN accepts any type. Returns the popped type (UNKNOWN in unreachable code). */
  protected pop(want: ValType): ValType {
    const f = this.csp - 1;
    if (this.sp === this.ctrlHeight[f]) {
      if (this.ctrlUnreach[f]) return UNKNOWN;
      this.mismatch(want, -1);
    }
    const got = this.vals[--this.sp];
    if (got !== want && got !== UNKNOWN && want !== UNKNOWN) this.mismatch(want, got);
    return got;
  }

  // --- Block types ---

  protected nParams(bt: number): number {
    return bt >= 0 ? this.types[bt].params.length : 0;
  }
  protected nResults(bt: number): number {
    return bt >= 0 ? this.types[bt].results.length : bt === BT_EMPTY ? 0 : 1;
  }
  protected result(bt: number, i: number): ValType {
    return bt >= 0 ? this.types[bt].results[i] : -bt;
  }

  /** Number of operands a branch to label `depth` carries (A.3 label_types). */
  protected labelArity(depth: number): number {
    const f = this.csp - 1 - depth;
    const bt = this.ctrlType[f];
    return this.ctrlKind[f] === K_LOOP ? this.nParams(bt) : this.nResults(bt);
  }
  protected labelType(depth: number, i: number): ValType {
    const f = this.csp - 1 - depth;
    const bt = this.ctrlType[f];
    return this.ctrlKind[f] === K_LOOP ? this.types[bt].params[i] : this.result(bt, i);
  }

  /** Pops the operands of label `depth`, checking their types. */
  protected popLabel(depth: number): void {
    for (let i = this.labelArity(depth) - 1; i >= 0; i--) this.pop(this.labelType(depth, i));
  }
  protected pushLabel(depth: number): void {
    const n = this.labelArity(depth);
    for (let i = 0; i < n; i++) this.push(this.labelType(depth, i));
  }

  // --- Control stack (A.3 push_ctrl / pop_ctrl) ---

  /** Pops the block's parameters, then opens a frame and pushes them back as its start types. */
  protected pushCtrl(kind: number, bt: number): void {
    if (bt >= 0) {
      const params = this.types[bt].params;
      for (let i = params.length - 1; i >= 0; i--) this.pop(params[i]);
    }
    this.openFrame(kind, bt);
    if (bt >= 0) {
      const params = this.types[bt].params;
      for (let i = 0; i < params.length; i++) this.push(params[i]);
    }
  }

  protected openFrame(kind: number, bt: number): void {
    if (this.csp === this.ctrlKind.length) {
      const n = this.csp * 2;
      const k = new Uint8Array(n); k.set(this.ctrlKind); this.ctrlKind = k;
      const t = new Int32Array(n); t.set(this.ctrlType); this.ctrlType = t;
      const h = new Uint32Array(n); h.set(this.ctrlHeight); this.ctrlHeight = h;
      const u = new Uint8Array(n); u.set(this.ctrlUnreach); this.ctrlUnreach = u;
    }
    const f = this.csp++;
    this.ctrlKind[f] = kind;
    this.ctrlType[f] = bt;
    this.ctrlHeight[f] = this.sp;
    this.ctrlUnreach[f] = 0;
  }

  /** Checks the frame's results are exactly on the stack, then closes it. */
  protected popCtrl(): void {
    const f = this.csp - 1;
    const bt = this.ctrlType[f];
    for (let i = this.nResults(bt) - 1; i >= 0; i--) this.pop(this.result(bt, i));
    if (this.sp !== this.ctrlHeight[f]) {
      const extra = this.sp - this.ctrlHeight[f];
      this.fail(`type mismatch: ${extra} extra value${extra === 1 ? '' : 's'} at end of block`);
    }
    this.csp--;
  }

  protected unreachable(): void {
    const f = this.csp - 1;
    this.sp = this.ctrlHeight[f];
    this.ctrlUnreach[f] = 1;
  }

  /** Opens the `else` frame with the `if`'s parameters as start types (they were checked by `pushCtrl`). */
  protected pushCtrlNoPop(kind: number, bt: number): void {
    this.openFrame(kind, bt);
    if (bt >= 0) {
      const params = this.types[bt].params;
      for (let i = 0; i < params.length; i++) this.push(params[i]);
    }
  }

  /** An `if` without `else` has an empty else branch, so its parameters must equal its results (spec 3.3.8). */
  protected checkImplicitElse(bt: number): void {
    if (bt === BT_EMPTY) return;
    const np = this.nParams(bt);
    const nr = this.nResults(bt);
    let ok = np === nr;
    for (let i = 0; ok && i < np; i++) ok = this.types[bt].params[i] === this.result(bt, i);
    if (!ok) this.fail('type mismatch: if without else must have equal parameter and result types');
  }

  protected call(t: FuncType): void {
    const params = t.params;
    for (let i = params.length - 1; i >= 0; i--) this.pop(params[i]);
    const results = t.results;
    for (let i = 0; i < results.length; i++) this.push(results[i]);
  }
}
