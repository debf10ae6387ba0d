/**
 * What the lowering of one instruction (ops.ts LOWER_OPS, i64big.ts BIG_OPS,
 * fuel.ts sandboxOps) may do to the function being lowered: pop and push
 * pending values, make temporaries, append statements. FuncLowering
 * (func.ts, on stack.ts and control.ts) implements it; this interface keeps
 * those files from importing the lowering itself.
 */
import type { Expr, Stmt } from './ast.js';
import type { Val } from './values.js';
import type { ModuleEnv } from './env.js';

export interface Lowering {
  readonly env: ModuleEnv;
  /** The instruction is a bulk operation whose constant length the fuel pass has charged (compiler/ir/ir.ts FUEL_PAID). */
  readonly lengthPaid: boolean;
  /** Pops the top stack value. */
  popVal(): Val;
  /** Pops the top `n` stack values, bottom first. */
  popVals(n: number): Val[];
  /** The stack value `depth` places below the top, not popped. */
  peek(depth: number): Val;
  /** Pushes a value (materialised first when its expression is too deep). */
  pushVal(v: Val): void;
  /**
   * Pushes the pair (lo, hi) of expressions as an i64 value, materialising
   * non-simple halves (stack.ts `pushI64`).
   */
  pushI64(lo: Expr, hi: Expr): void;
  /** Evaluates a value popped off the stack into temporaries now, after the impure values still pending below it. */
  evalNow(v: Val): Val;
  /** Evaluates every pending impure value into temporaries, in stack order. */
  spillImpure(): void;
  /** Emits `name = expr` for a fresh temporary and returns it as an expression. */
  temp(e: Expr): Expr;
  /** A fresh temporary's name, for an expression that assigns it itself. */
  newTempName(): string;
  /** A fresh register slot (big form, i64big.ts). */
  newSlot(): number;
  /** Appends a statement whose effects the caller has already ordered. */
  emit(s: Stmt): void;
  /** Re-reads the memory's DataView into the function's `dv` (after something that may grow memory). */
  refreshMemory(): void;
}

/** What converting a BigInt to an int32 pair needs (i64big.ts `toPair`): also used by StackLowering itself. */
export type PairLowering = Pick<Lowering, 'spillImpure' | 'newSlot' | 'emit' | 'temp'>;
