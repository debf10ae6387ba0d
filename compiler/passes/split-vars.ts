/**
 * The variables of a split function (passes/split.ts): once the parts are
 * made, `localize` decides where each variable lives (a part's own `let`, a
 * local copy written back on the way out, or shared by the parts), then
 * `frame` moves the shared ones into a frame object passed to every part.
 * Reads the function and its parts; changes only declarations, identifier
 * names and the parts' parameters and calls, and adds write-backs before the
 * ways out of a part; guarantees every read sees the value the unsplit
 * function would.
 */
import * as A from '../lower/ast.js';
import type { Node, Stmt } from '../lower/ast.js';
import { childLists } from './statements.js';
import { baseName, eachName, hasDispatchLoop, names, TEMP, uses, type Uses } from './uses.js';
import type { PartLive } from './live.js';

/** Identifier that carries a `return`'s value from a part to the call site. */
export const RETURN_VAR = 'rv';

/** For each temporary the bodies name: the index of the one body naming it, or -1 when more than one does. */
function tempUsers(bodies: Uses[]): Map<string, number> {
  const user = new Map<string, number>();
  bodies.forEach((u, who) => {
    for (const n of u.count.keys()) if (TEMP.test(n)) user.set(n, user.get(n) === undefined || user.get(n) === who ? who : -1);
  });
  return user;
}

/** Whether `stmts` hold a wasm `try` with handlers (lower/control.ts marks its TryStatement `wasm`). */
function hasWasmCatch(stmts: Stmt[]): boolean {
  for (const s of stmts) {
    if (s.type === 'TryStatement' && s.wasm === true) return true;
    if (s.type === 'LabeledStatement' ? hasWasmCatch([s.body]) : childLists(s).some(hasWasmCatch)) return true;
  }
  return false;
}

/** Names used in `catch` and `finally` blocks anywhere in `body`: they must be current when an exception leaves a part. */
function handlerNames(body: Stmt[]): Set<string> {
  const out = new Set<string>();
  // Statements only: the lowering puts no `try` in an expression, and no function but parts (declarations).
  const visit = (list: Stmt[]): void => {
    for (const s of list) {
      if (s.type === 'TryStatement') {
        visit(s.block.body);
        for (const h of [s.handler?.body, s.finalizer]) if (h) for (const k of uses(h).count.keys()) out.add(k);
      } else if (s.type === 'LabeledStatement') visit([s.body]);
      else if (s.type === 'FunctionDeclaration') visit(s.body.body);
      else for (const l of childLists(s)) visit(l);
    }
  };
  visit(body);
  return out;
}

/** A part's exit code and the label of the block its exits break out of (names ending in `$`: no clash, see ALIAS). */
const EXIT_CODE = 'rc$';
const EXIT_LABEL = 'P$';
/**
 * A part repeats its write-backs before each return while they number at most
 * `maxWeight / EXIT_COPIES_INLINE` in all (about half the part's weight: a
 * write-back is 3 nodes); beyond, they are written once, after a block the
 * returns break out of. Repeating them multiplied a dispatch loop's parts by
 * their exits (sqlite3VdbeExec's first part: 5,720 write-backs, 12,000 nodes
 * grown to 36,000, 59 KB of bytecode, never optimized by TurboFan; now bulk.sql
 * and textproc.sql run 18% and 6% faster). Every part the single-exit way was
 * 4% slower over the programs (nbody.lua 15-19%: the one exit merges every
 * copy), and so are luaV_execute's parts (1,122 to 1,547 write-backs).
 */
const EXIT_COPIES_INLINE = 6;

/** `return` statements in `stmts` (not in nested functions: parts have none left). */
function countReturns(stmts: Stmt[]): number {
  let n = 0;
  const visit = (list: Stmt[]): void => {
    for (const s of list) {
      if (s.type === 'ReturnStatement') n++;
      else if (s.type === 'LabeledStatement') visit([s.body]);
      else for (const l of childLists(s)) visit(l);
    }
  };
  visit(stmts);
  return n;
}
/** Suffix of a part's own copy of a function variable (no other identifier Kiln emits ends with `$`). */
const ALIAS = '$';

/** The local that caches the memory's view (lower/func.ts), and what it caches: the instance's `DV`. */
const VIEW = 'dv';
const VIEW_SOURCE = 'DV';

/**
 * Before `localize`: gives every body its own `dv`. The lowering keeps the
 * instance's DataView `DV` in a local `dv`, re-read after each call that may
 * grow memory (lower/stack.ts `refreshMemory`, and on entering a `catch`),
 * so wherever `dv` is read it equals `DV`. A part naming `dv` now declares
 * its own (`let dv = DV`), and a body naming it re-reads it after each call
 * of a part (`dv = DV`: after the call statement, or at the head of each
 * case of the call's exit `switch` and after it), since the part may have
 * grown memory. Shared through the frame, a dispatch loop read the view from
 * a field at every memory access (`fr$.dv.getInt32(...)`: 302 in SQLite's
 * `sqlite3VdbeExec` dispatch part). Returns the names `localize` and `frame`
 * must then leave alone: `dv`, or none when the function has no view.
 */
export function ownViews(body: Stmt[], parts: Stmt[]): Set<string> {
  const decl = body[0]?.type === 'VariableDeclaration' ? body[0] : null;
  const d = decl?.declarations.find((x: Node) => x.id.name === VIEW);
  if (d === undefined || d.init?.type !== 'Identifier' || d.init.name !== VIEW_SOURCE) return new Set();
  const partNames = new Set<string>(parts.map((p) => p.id.name));
  const refresh = (): Stmt => A.exprStmt(A.assign(VIEW, A.id(VIEW_SOURCE)));
  const isPartCall = (e: Node): boolean => e?.type === 'CallExpression' && e.callee.type === 'Identifier' && partNames.has(e.callee.name);
  const visit = (list: Stmt[]): void => {
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s.type === 'FunctionDeclaration') continue;
      if (s.type === 'LabeledStatement') {
        visit([s.body]);
        continue;
      }
      for (const l of childLists(s)) visit(l);
      if (s.type === 'ExpressionStatement' && isPartCall(s.expression)) list.splice(++i, 0, refresh());
      else if (s.type === 'SwitchStatement' && isPartCall(s.discriminant)) {
        for (const c of s.cases) c.consequent.unshift(refresh());
        list.splice(++i, 0, refresh());
      }
    }
  };
  if (names(body.filter((s) => s !== decl), VIEW)) visit(body);
  for (const p of parts) {
    if (!names(p.body.body, VIEW)) continue;
    visit(p.body.body);
    p.body.body.unshift(A.decl('let', [[VIEW, A.id(VIEW_SOURCE)]]));
  }
  return new Set([VIEW]);
}

/**
 * After the parts are made:
 * - moves each temporary that only one part uses into that part (in the
 *   flat form, where a part may run once per dispatch state, only those in
 *   `caseLocal`: `caseLocalTemps`);
 * - in the function and in each part, keeps each function variable the body
 *   names more than once, and that no part it calls touches (directly or
 *   through its own parts), in a local copy (`x$`), so engines keep it in a
 *   register, not in the shared context: read on entry; in a part, written
 *   back before every way out but an exception. With `lives` (the split's
 *   live.ts sets per part), a part reads a copy on entry only if it is live
 *   there, and writes back at each exit only those live where it lands.
 *   Variables that `catch`/`finally` blocks read, and RETURN_VAR, are never
 *   copied: an exception must find them current.
 * `ownNames` (from `ownViews`) are left alone: every body has its own.
 */
export function localize(
  fn: Node, body: Stmt[], parts: Stmt[], maxWeight: number, bigTemps: Set<string> = new Set(), ownNames: Set<string> = new Set(),
  caseLocal: Set<string> = new Set(), lives: Map<Stmt, PartLive> = new Map(),
): void {
  const decl = body[0]?.type === 'VariableDeclaration' ? body[0] : null;
  const partNames = new Set(parts.map((p) => p.id.name));
  const own = uses(body.filter((s) => s !== decl && !partNames.has(s.id?.name)));
  const partUses = parts.map((p) => uses(p.body.body));
  // In the flat form a part may run once per state of the dispatch loop `D`, and a temporary may
  // carry a value from one state to a later one (seed 59001197): only those local to one state
  // (`caseLocal`, from `caseLocalTemps` before the split) may move into a part.
  if (decl !== null) {
    const flat = hasDispatchLoop([body, ...parts.map((p) => p.body.body)]);
    const user = tempUsers([own, ...partUses]); // 0: the function, k: part k - 1
    const moved: [string, Node][][] = parts.map(() => []);
    decl.declarations = decl.declarations.filter((d: Node) => {
      const u = (user.get(d.id.name) ?? 0) - 1;
      if (u < 0 || (flat && !caseLocal.has(d.id.name))) return true;
      moved[u].push([d.id.name, d.init]);
      partUses[u].count.delete(d.id.name);
      return false;
    });
    parts.forEach((p, i) => {
      if (moved[i].length > 0) p.body.body.unshift(A.decl('let', moved[i]));
    });
    if (decl.declarations.length === 0) body.splice(0, 1);
  }
  const vars = new Set<string>([...fn.params.map((p: Node) => p.name), ...(decl?.declarations.map((d: Node) => d.id.name) ?? [])]);
  for (const n of ownNames) vars.delete(n);
  // A part's copies must not hide a write from a `catch`/`finally` outside it that an exception
  // leaving the part reaches: those in the function's body, and those in other parts (a `try`
  // may move into a part whole; its body may call this part). Its own handlers see its copies.
  const inBody = handlerNames(body);
  inBody.add(RETURN_VAR);
  const inParts = parts.map((p) => handlerNames(p.body.body));
  // Where a wasm `try` outside a part can catch an exception leaving it, the code after that handler
  // may read anything the part wrote: the part then copies nothing (a copy is written back on the
  // ways out but an exception).
  const wasmCatchIn = parts.map((p) => hasWasmCatch(p.body.body));
  const bodyCatch = hasWasmCatch(body);
  const noCopies = (i: number): boolean => bodyCatch || wasmCatchIn.some((c, j) => c && j !== i);
  const pinnedFor = (i: number): Set<string> => {
    if (inParts.every((h, j) => j === i || h.size === 0)) return inBody;
    const out = new Set(inBody);
    inParts.forEach((h, j) => {
      if (j !== i) for (const n of h) out.add(n);
    });
    return out;
  };
  // What each part touches, with the parts it calls (a part only calls parts made before it).
  const index = new Map(parts.map((p, i) => [p.id.name, i]));
  // A temporary in `bigTemps` becomes a slot of `R` (`frame`): naming it touches `R`.
  const namesBig = (u: Uses): boolean => bigTemps.size > 0 && [...u.count.keys()].some((n) => bigTemps.has(n));
  const touched: Set<string>[] = [];
  parts.forEach((_, i) => {
    const t = new Set(partUses[i].count.keys());
    if (namesBig(partUses[i])) t.add('R');
    for (const n of partUses[i].count.keys()) {
      const j = index.get(n);
      if (j !== undefined) for (const x of touched[j]) t.add(x);
    }
    touched.push(t);
  });
  const copy = (stmts: Stmt[], u: Uses, pinned: Set<string>, isPart: boolean, live: PartLive | undefined = undefined): Stmt[] => {
    // Variables the parts this body calls touch stay in the context. (Copying them too, written back
    // before such a call and re-read after it, measured slower on Lua: README "Function splitting".)
    const shared = new Set<string>();
    for (const n of u.count.keys()) {
      const k = index.get(n);
      if (k !== undefined) for (const x of touched[k]) shared.add(x);
    }
    // A body that assigns `R` (the BigInt prologue's nested-call file) and names a slot temporary keeps `R` shared: the slot is reached through the frame's `R`.
    if (u.assigned.has('R') && namesBig(u)) shared.add('R');
    const copied = [...u.count].filter(([n, c]) => c > 1 && vars.has(n) && !pinned.has(n) && !shared.has(n)).map(([n]) => n);
    if (copied.length === 0) return stmts;
    const names = new Set(copied);
    stmts = renamed(stmts, (name) => {
      const b = baseName(name);
      return names.has(b) ? b + ALIAS + name.slice(b.length) : null;
    });
    // A copy is read from the frame only if live where the part starts, and written back only if
    // live where it may end (live.ts); a part of the function's own body reads them all.
    const dead = (n: string, at: Set<string> | null | undefined): boolean => live !== undefined && live.tracked.has(n) && at != null && !at.has(n);
    const writeBack = (at = live?.out): Stmt[] => copied.filter((n) => u.assigned.has(n) && !dead(n, at)).map((n) => A.exprStmt(A.assign(n, A.id(n + ALIAS))));
    // A `return <code>` writes back what is live where that exit lands.
    const atExit = (s: Node): Set<string> | null | undefined => {
      const k = s.argument?.type === 'Literal' && typeof s.argument.value === 'number' ? s.argument.value : 0;
      return k > 0 && live !== undefined && k <= live.exits.length ? live.exits[k - 1] : live?.out;
    };
    // In a part, every way out but an exception writes the copies back: before each `return`, or,
    // where that would repeat more than EXIT_COPIES_INLINE write-backs, once: a `return` becomes
    // `{ rc$ = code; break P$; }` out of a block around the body, followed by the write-backs and
    // `return rc$`.
    const decls: [string, Node][] = copied.map((n) => [n + ALIAS, dead(n, live?.in) ? A.num(0) : A.id(n)]);
    const wb = isPart ? writeBack() : [];
    if (wb.length === 0) return [A.decl('let', decls), ...stmts];
    const once = countReturns(stmts) * wb.length > maxWeight / EXIT_COPIES_INLINE;
    const exits = (list: Stmt[]): void => {
      for (let j = 0; j < list.length; j++) {
        const s = list[j];
        if (s.type === 'ReturnStatement') {
          list[j] = once
            ? A.block([A.exprStmt(A.assign(EXIT_CODE, s.argument ?? A.id('undefined'))), { type: 'BreakStatement', label: A.id(EXIT_LABEL) }])
            : A.block([...writeBack(atExit(s)), s]);
        } else if (s.type === 'LabeledStatement') exits([s.body]); // a labelled statement is never a return
        else for (const l of childLists(s)) exits(l);
      }
    };
    exits(stmts);
    if (!once) return [A.decl('let', decls), ...stmts, ...writeBack(live?.fall)];
    let lead = 0;
    while (lead < stmts.length && stmts[lead].type === 'VariableDeclaration') lead++;
    decls.push([EXIT_CODE, A.id('undefined')]);
    const body: Stmt = { type: 'LabeledStatement', label: A.id(EXIT_LABEL), body: A.block(stmts.slice(lead)) };
    return [A.decl('let', decls), ...stmts.slice(0, lead), body, ...wb, A.ret(A.id(EXIT_CODE))];
  };
  parts.forEach((p, i) => {
    if (!noCopies(i)) p.body.body = copy(p.body.body, partUses[i], pinnedFor(i), true, lives.get(p));
  });
  const from = decl !== null && body[0] === decl ? 1 : 0;
  body.splice(from, body.length - from, ...copy(body.slice(from), own, inBody, false));
}

/** Whether `e` is a BigInt for sure: a BigInt literal, `BigInt(...)`, `BigInt.asUintN/asIntN(...)`, a register slot `R[k]`, or a temporary in `big`. */
function isBigInt(e: Node, big: Set<string>): boolean {
  switch (e.type) {
    case 'Literal':
      return typeof e.value === 'bigint';
    case 'Identifier':
      return /^R\[\d+\]$/.test(e.name) || big.has(e.name);
    case 'CallExpression': {
      const c = e.callee;
      if (c.type === 'Identifier') return c.name === 'BigInt';
      return c.type === 'MemberExpression' && c.object.type === 'Identifier' && c.object.name === 'BigInt' && !c.computed && (c.property.name === 'asUintN' || c.property.name === 'asIntN');
    }
    case 'ConditionalExpression':
      return isBigInt(e.consequent, big) && isBigInt(e.alternate, big);
  }
  return false;
}

/**
 * BigInt form (lower/i64big.ts), before `localize`: the temporaries that hold
 * only BigInts (every value assigned to one is a BigInt: `isBigInt`) and that
 * more than one of the function and its parts name. `frame` keeps them in
 * slots of the register file instead of frame fields.
 */
export function bigIntTemps(body: Stmt[], parts: Stmt[]): Set<string> {
  const big = new Set<string>();
  const decl = body[0]?.type === 'VariableDeclaration' ? body[0] : null;
  if (decl === null || !decl.declarations.some((d: Node) => d.id.name === 'R')) return big;
  const lists = [body.slice(1), ...parts.map((p) => p.body.body)];
  const user = tempUsers(lists.map(uses));
  const assigned = new Map<string, Node[]>();
  eachName(lists, (id, holder) => {
    if (TEMP.test(id.name) && holder?.type === 'AssignmentExpression' && holder.left === id) assigned.set(id.name, [...(assigned.get(id.name) ?? []), holder.right]);
  });
  // A fixpoint: one temporary may be assigned from another.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [n, values] of assigned) {
      if (!big.has(n) && values.every((v) => isBigInt(v, big))) {
        big.add(n);
        grew = true;
      }
    }
  }
  for (const n of big) if (user.get(n) !== -1) big.delete(n);
  return big;
}

/** The expression `new BigUint64Array(n)` in `lists` (the BigInt form's register file for a nested call: lower/func.ts `bigPrologue` makes one), or null. */
function registerFileAlloc(lists: Stmt[][]): Node {
  let alloc: Node = null;
  for (const l of lists) eachName(l, (id, holder) => {
    if (id.name === 'BigUint64Array' && holder?.type === 'NewExpression' && holder.arguments[0]?.type === 'Literal') alloc = holder;
  });
  return alloc;
}

/** The parameter through which parts reach the variables they share with their function (see `frame`). */
export const FRAME = 'fr$';
/**
 * Most fields a frame may have. V8 keeps up to 252 properties in the object
 * itself and the rest in a property array, with fast properties and one map
 * for every frame a constructor makes (checked up to 600 fields, Node 20 and
 * 24); Hermes ran out of its 1 GiB heap on skip-stack-guard-page.wast (a
 * frame of 2,117 fields per call of a deeply recursive function). SQLite's
 * largest frame has 95 fields, Lua's 29, QuickJS's interpreter's 70 (149 while it was flat),
 * rapier2d's solver 384 (as closure parts, past the old cap of 252, each
 * double it wrote to the context was a heap number: the workload ran
 * 4.3-4.7x native, 2.4-3.4x with a frame). A function sharing more keeps
 * closure parts.
 */
const FRAME_FIELDS = 504;
/**
 * Frames with at least this many fields are made by a constructor
 * (`new f$fr(...)`, `this.x = ...`) instead of an object literal. V8 builds a
 * literal of 128 properties or more as a dictionary turned fast, each time
 * with a map of its own until the literal's boilerplate settles, so the
 * parts' field accesses saw a new map per frame early on and stayed
 * megamorphic (QuickJS's `JS_CallInternal`, 149 fields: `LoadIC_Megamorphic`
 * and `StoreIC_Megamorphic` 45% of the ticks); a constructor's stores
 * follow one transition chain to one map. Below it the literal is cheaper to
 * make (100 fields, Node 24: 0.13 vs 0.7 us a frame).
 */
const LITERAL_FIELDS = 128;

/**
 * After `localize`: moves the function variables (parameters included) that
 * any part names into one object, the frame, made on entry (`const fr$ =
 * f$fr(l0)`, whose maker returns `{ l0: l0, l3: 0, ... }`), renames them to
 * its fields (`x` -> `fr$.x`) in the function and its parts, and passes the
 * frame to every part (`f$p1(fr$)`), so the parts capture nothing and can be
 * declared beside the function instead of in it. A closure per part was made
 * on every entry of the function, and the shared variables lived in its
 * context, where V8 boxes each double written (a new heap number per write)
 * and, with pointer compression, each int32 outside 31 bits; an object's
 * fields hold them in place. The literal is in a function of its own, the
 * maker: an object literal with double fields is slow to make in code V8
 * has not optimized (180 ns for 29 fields, Node 20), and a function that is
 * not optimized yet (Lua's `luaV_execute` re-entered for every coroutine
 * resume) still gets the maker's optimized code (coroutines.lua 3.0 -> 2.6 s
 * on Node 20). From LITERAL_FIELDS fields on, the maker is a constructor
 * (`fr$ = new f$fr(l0)`), and the frame is kept when the call ends (in `var
 * f$fp`, beside the function: `try { ... } finally { f$fp = fr$; }`) for
 * the next call, which resets its fields but the temporaries and block
 * variables: QuickJS's interpreter made a 149-field frame per JS call
 * (its making 14% of the ticks; kept, the workload ran 300 -> 245 ms).
 * Returns the maker's declaration (and the keeper's), or null, changing nothing,
 * when a declaration's initialiser names a function variable (the frame is
 * made before the declarations) or the frame would have more than
 * FRAME_FIELDS fields. `ownNames` (from `ownViews`) stay out of the frame.
 */
export function frame(fn: Node, body: Stmt[], parts: Stmt[], bigTemps: Set<string> = new Set(), ownNames: Set<string> = new Set()): Stmt[] | null {
  const decl = body[0]?.type === 'VariableDeclaration' ? body[0] : null;
  const params: string[] = fn.params.map((p: Node) => p.name);
  const declared: Node[] = decl?.declarations ?? [];
  const vars = new Set<string>([...params, ...declared.map((d) => d.id.name)]);
  for (const n of ownNames) vars.delete(n);
  for (const d of declared) if (d.init !== null && [...uses(d.init).count.keys()].some((n) => vars.has(n))) return null;
  const shared = new Set<string>();
  for (const p of parts) eachName(p.body.body, (id) => {
    const b = baseName(id.name);
    if (vars.has(b)) shared.add(b);
  });
  if (shared.size > FRAME_FIELDS) return null;
  // Shared BigInt temporaries take new slots of the register file (`fr$.R[94]`): as frame fields,
  // each write made a heap BigInt (hash-wasm's SHA-512: 6.2x native split, 1.5x unsplit with V8's
  // size limit raised, Node 24). The file's allocations grow to match (here the nested-call one,
  // the module's through `fn.bigSlots`).
  const slot = new Map<string, number>();
  const alloc = bigTemps.size > 0 ? registerFileAlloc([body, ...parts.map((p) => p.body.body)]) : null;
  if (alloc !== null) {
    const first: number = alloc.arguments[0].value;
    for (const n of shared) if (bigTemps.has(n)) slot.set(n, first + slot.size);
    if (slot.size > 0) {
      alloc.arguments = [A.num(first + slot.size)];
      fn.bigSlots = first + slot.size;
      shared.add('R');
    }
  }
  const partNames = new Set<string>(parts.map((p) => p.id.name));
  const field = (name: string) => {
    const b = baseName(name);
    if (slot.has(b)) return `${FRAME}.R[${slot.get(b)}]`;
    return shared.has(b) ? `${FRAME}.${name}` : null;
  };
  for (const p of parts) {
    p.params = [A.id(FRAME)];
    p.body.body = renamed(p.body.body, field, partNames);
  }
  const from = decl !== null ? 1 : 0;
  const rest = renamed(body.slice(from), field, partNames);
  const fields: (readonly [string, Node])[] = [
    ...params.filter((n) => shared.has(n)).map((n) => [n, A.id(n)] as const),
    ...declared.filter((d) => shared.has(d.id.name) && !slot.has(d.id.name)).map((d) => [d.id.name, d.init ?? A.id('undefined')] as const),
  ];
  // An f32/f64 field starts as -0, a heap number, then takes its value: its representation is a
  // double from the first frame on. Started from the literal 0 (a small integer), the first
  // fraction stored changed every frame's shape, and frames made by code compiled before that
  // change kept the old shape, each one migrated on its first read (sort.lua: 308,791 frames).
  const floats: Set<string> = fn.floatVars ?? new Set();
  const first = (k: string, v: Node): Node => (floats.has(k) ? A.un('-', A.num(0)) : v);
  const fixes = (to: Node) => fields.filter(([k]) => floats.has(k)).map(([k, v]) => A.exprStmt(A.assign(A.member(to, k), v)));
  const THIS = { type: 'ThisExpression' };
  let maker: Stmt;
  let made: Node = A.call(`${fn.id.name}$fr`, params.map((n) => A.id(n)));
  if (fields.length < LITERAL_FIELDS) {
    const props = fields.map(([k, v]) => ({ type: 'Property', key: A.id(k), value: first(k, v), kind: 'init', computed: false, method: false, shorthand: false }));
    const object = { type: 'ObjectExpression', properties: props };
    const fixed = fixes(A.id(FRAME));
    maker = A.func(`${fn.id.name}$fr`, params, fixed.length === 0 ? [A.ret(object)] : [A.decl('const', [[FRAME, object]]), ...fixed, A.ret(A.id(FRAME))]);
  } else {
    // A constructor: every frame it makes has the one map its stores build (see LITERAL_FIELDS).
    maker = A.func(`${fn.id.name}$fr`, params, [...fields.map(([k, v]) => A.exprStmt(A.assign(A.member(THIS, k), first(k, v)))), ...fixes(THIS)]);
    made = { type: 'NewExpression', callee: made.callee, arguments: made.arguments };
  }
  if (decl !== null) decl.declarations = declared.filter((d) => !shared.has(d.id.name));
  const own = decl !== null && decl.declarations.length > 0 ? [decl] : [];
  if (made.type === 'CallExpression') {
    body.splice(0, body.length, A.decl('const', [[FRAME, made]]), ...own, ...rest);
    return [maker];
  }
  // A frame this large is kept for the next call (`f$fp`, declared beside the function) when the
  // call ends, so a call made while none is kept makes one and any other resets the fields that
  // are read before they are written: not the temporaries and block variables (`t<n>`, `b<n>`,
  // written first on every path), every other variable to its initial value.
  const free = `${fn.id.name}$fp`;
  const reset = fields.filter(([k]) => !/^[tb]\d+$/.test(k)).map(([k, v]) => A.exprStmt(A.assign(A.member(FRAME, k), v)));
  const take = A.ifStmt(A.bin('===', A.id(FRAME), A.id('undefined')), [A.exprStmt(A.assign(FRAME, made))], [A.exprStmt(A.assign(free, A.id('undefined'))), ...reset]);
  const keep = A.block([A.exprStmt(A.assign(free, A.id(FRAME)))]);
  body.splice(0, body.length, A.decl('let', [[FRAME, A.id(free)]]), take, ...own, { type: 'TryStatement', block: A.block(rest), handler: null, finalizer: keep });
  return [maker, { ...A.decl('let', [[free, null]]), kind: 'var' }];
}

/**
 * `n` with each Identifier that `eachName` would visit renamed by `to` (its
 * new name, or null to keep it; `localize` renames a variable to its copy,
 * `x` -> `x$`, `R[3]` -> `R$[3]`), and each call of a function in `calls`
 * given the frame as its argument, without changing any node: a node with
 * nothing renamed inside is returned as is, any other is a shallow copy
 * (path copying). The lowering may share expression nodes between
 * statements, and the function and its parts rename different names, so no
 * node is renamed where it stands.
 */
function renamed(n: Node, to: (name: string) => string | null, calls: Set<string> | null = null): Node {
  if (n === null || typeof n !== 'object') return n;
  if (Array.isArray(n)) {
    let out: Node[] | null = null;
    for (let i = 0; i < n.length; i++) {
      const r = renamed(n[i], to, calls);
      if (r !== n[i] && out === null) out = n.slice(0, i);
      if (out !== null) out.push(r);
    }
    return out ?? n;
  }
  switch (n.type) {
    case 'Identifier': {
      const name = to(n.name);
      return name === null ? n : { ...n, name };
    }
    case 'Literal':
    case 'FunctionDeclaration':
    case 'BreakStatement':
    case 'ContinueStatement':
      return n;
    // The most common nodes, child by child without the CHILD_KEYS table.
    case 'BinaryExpression':
    case 'LogicalExpression':
    case 'AssignmentExpression': {
      const left = renamed(n.left, to, calls);
      const right = renamed(n.right, to, calls);
      return left === n.left && right === n.right ? n : { ...n, left, right };
    }
    case 'ExpressionStatement': {
      const expression = renamed(n.expression, to, calls);
      return expression === n.expression ? n : { ...n, expression };
    }
    case 'CallExpression': {
      const callee = renamed(n.callee, to, calls);
      const args = renamed(n.arguments, to, calls);
      if (calls !== null && n.callee.type === 'Identifier' && calls.has(n.callee.name)) return { ...n, callee, arguments: [...args, A.id(FRAME)] };
      return callee === n.callee && args === n.arguments ? n : { ...n, callee, arguments: args };
    }
    case 'UnaryExpression': {
      const argument = renamed(n.argument, to, calls);
      return argument === n.argument ? n : { ...n, argument };
    }
    case 'LabeledStatement': {
      const body = renamed(n.body, to, calls);
      return body === n.body ? n : { ...n, body };
    }
    case 'MemberExpression': {
      const object = renamed(n.object, to, calls);
      const property = n.computed ? renamed(n.property, to, calls) : n.property;
      return object === n.object && property === n.property ? n : { ...n, object, property };
    }
  }
  let out: Node = null;
  for (const k of A.childKeys(n)) {
    const v = n[k];
    if (v === null || typeof v !== 'object') continue;
    const r = renamed(v, to, calls);
    if (r === v) continue;
    out ??= { ...n };
    out[k] = r;
  }
  return out ?? n;
}
