/**
 * Math aliases: a pass over one lowered function's ESTree, run only for
 * output tuned for Hermes (compile option `tune: 'hermes'`, lower/env.ts).
 *
 * Reads: every call whose callee is `Math.<name>` for a name of
 * MATH_ALIASES (the lowering's `Math.fround`, `Math.imul`, `Math.sqrt`, ...).
 * Changes: the callee becomes the instance's alias `Math_<name>` (declared by
 * emit/parts.ts as `const Math_fround = Math.fround, ...`). Hermes's
 * interpreter looks `Math` and then the property up on every call of
 * `Math.fround(x)`; an alias is one closure-variable read (the `blur_f32`
 * kernel, all f32 arithmetic, 1.3x faster in Hermes 0.12). The same function
 * is called with the same arguments, so results are unchanged. Engines with a
 * JIT never see this form (the default tuning keeps `Math.fround`, which
 * their optimizers recognise directly).
 */
import { childKeys, id, type Node } from '../lower/ast.js';

/** The `Math` functions generated code calls, each with an alias `Math_<name>` when tuned for Hermes. */
export const MATH_ALIASES: readonly string[] = ['fround', 'imul', 'clz32', 'sqrt', 'min', 'max', 'floor', 'abs'];

const ALIASED = new Set(MATH_ALIASES);

/** Replaces `Math.<name>` callees in `n` (a function, with its nested parts) by their aliases. */
export function aliasMath(n: Node): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) aliasMath(x);
    return;
  }
  if (n.type === 'CallExpression') {
    const c = n.callee;
    if (c.type === 'MemberExpression' && !c.computed && c.object.type === 'Identifier' && c.object.name === 'Math' && ALIASED.has(c.property.name)) {
      n.callee = id(`Math_${c.property.name}`);
    }
  }
  for (const k of childKeys(n)) {
    const v = n[k];
    if (v !== null && typeof v === 'object') aliasMath(v);
  }
}
