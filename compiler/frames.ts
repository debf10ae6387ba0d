/**
 * Kinds of control frames (the `ctrl_frame` of spec appendix A.3): the one
 * definition shared by the validator (validate/func.ts) and the lowering
 * (lower/control.ts, lower/fuel.ts). A leaf module.
 */

/** A `block`. */
export const BLOCK = 0;
/** A `loop`: branches to it go back to its start and carry its parameters. */
export const LOOP = 1;
/** An `if` before its `else` (or without one). */
export const IF = 2;
/** An `if` after its `else`. */
export const ELSE = 3;
/** The function body's implicit block: a branch to it returns. */
export const FUNC = 4;
/** A legacy exception-handling `try` before its first `catch`/`catch_all` (its body). */
export const TRY = 5;
/** A `try` after a `catch`: a handler; `rethrow` may name it. */
export const CATCH = 6;
/** A `try` after its `catch_all` (no further handler may follow). */
export const CATCH_ALL = 7;

export type FrameKind = typeof BLOCK | typeof LOOP | typeof IF | typeof ELSE | typeof FUNC | typeof TRY | typeof CATCH | typeof CATCH_ALL;
