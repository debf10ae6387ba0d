/**
 * Function splitting: a pass over one lowered function's ESTree (the
 * `function` declaration lower/func.ts returns).
 *
 * Why: JS engines do not optimize very large functions. V8 leaves a function
 * whose bytecode exceeds `--max-optimized-bytecode-size` (61,440 bytes) in
 * its interpreter forever, SpiderMonkey's Ion and JavaScriptCore's DFG have
 * limits of their own, and one big wasm function (an interpreter loop, an
 * unrolled hash) becomes exactly such a function.
 *
 * Reads: the function's statements, weighed in AST nodes (`weigh`; V8 emits
 * 3 to 5 bytes of bytecode per node on Kiln's output, see README "Function
 * splitting"). Functions of at most `maxWeight` nodes are left untouched.
 *
 * Changes: runs of consecutive statements (a straight-line stretch, a switch
 * arm, an if arm, a loop body) move into nested functions `<name>$p<k>`
 * declared at the top of the function, bottom-up, until the function and
 * every part weigh at most `maxWeight` (a single statement that cannot be
 * cut further may exceed it). A part is a closure: it reads and writes the
 * function's variables where they are, so nothing is copied in or out, and
 * the engine keeps only the variables parts share in a context. A `break` or
 * `continue` leaving the run, or a `return`, becomes `return <code>` in the
 * part and the call site dispatches on the code (`switch (f$p1()) { case 1:
 * break L3; case 2: return rv; }`, the returned value travelling in `rv`).
 * Temporaries (`t<n>`) used by one part only are declared in that part, so
 * they stay in registers; the function's own declarations become `var` (no
 * temporal-dead-zone checks on captured variables).
 *
 * Guarantees: the same effects, traps and results in the same order (a part
 * runs exactly the statements it replaces, where they were); the byte offsets
 * on statements (`loc`) move with them, so source maps stay exact; fuel is
 * charged by the same statements. The only observable difference is call
 * depth: a part adds a frame, so the call stack is exhausted a little sooner.
 */
import * as A from '../lower/ast.js';
import type { Node, Stmt } from '../lower/ast.js';

/**
 * Default largest function weight in AST nodes. Measured on Kiln's output
 * (hash-wasm SHA-512, Lua, SQLite, Node 24): V8 emits 3 to 5 bytes of
 * bytecode per node (more where a function has hundreds of registers or
 * context slots), so 12,000 nodes keeps parts near or under V8's
 * 61,440-byte limit; 8,000 was slower on Lua (more calls between parts),
 * 20,000 on SQLite (parts over the limit). README "Function splitting".
 */
export const DEFAULT_SPLIT_WEIGHT = 12_000;

/** Runs lighter than this are never outlined (a call costs more than it saves). */
const MIN_PART = 40;

/** Identifier that carries a `return`'s value from a part to the call site. */
export const RETURN_VAR = 'rv';

/**
 * Splits `fn` (a FunctionDeclaration from lowerFunction) in place so no
 * function in it weighs more than `maxWeight` AST nodes. Returns the number of
 * parts made (0: unchanged).
 */
export function splitFunction(fn: Node, maxWeight: number): number {
  const body: Stmt[] = fn.body.body;
  if (weighList(body) <= maxWeight) return 0;
  if (!hoistDeclarations(body)) return 0;
  labelJumps(body);
  const s = new Splitter(fn.id.name, maxWeight, Math.min(MIN_PART, maxWeight / 4));
  s.list(body);
  known = new WeakMap();
  if (s.parts.length === 0) return 0;
  localize(fn, body, s.parts, maxWeight);
  if (s.returns) declare(body, RETURN_VAR);
  const at = body.length > 0 && body[0].type === 'VariableDeclaration' ? 1 : 0;
  body.splice(at, 0, ...s.parts);
  return s.parts.length;
}

/** Weights of statements the splitter has finished (their insides no longer change), so each node is weighed once. */
let known = new WeakMap<Node, number>();

/** AST nodes in `n` (objects with a `type`), the pass's proxy for bytecode size. */
export function weigh(n: Node): number {
  if (n === null || typeof n !== 'object') return 0;
  if (Array.isArray(n)) return weighList(n);
  const k = known.get(n);
  if (k !== undefined) return k;
  let w = 1;
  for (const k in n) {
    if (k === 'loc' || k === 'type') continue;
    const v = n[k];
    if (v !== null && typeof v === 'object') w += weigh(v);
  }
  return w;
}

function weighList(ns: Node[]): number {
  let w = 0;
  for (const n of ns) w += weigh(n);
  return w;
}

/** An initialiser that reads nothing that can change and has no effect (literals, identifiers, arithmetic on them). */
function isSimple(e: Node): boolean {
  if (e === null || e.type === 'Literal' || e.type === 'Identifier') return true;
  if (e.type === 'UnaryExpression') return isSimple(e.argument);
  if (e.type === 'BinaryExpression') return isSimple(e.left) && isSimple(e.right);
  return false;
}

/**
 * Merges every variable declaration of the function into one `var` at its
 * top, so parts (declared there) see them all: the fuel forms declare the
 * locals inside a `try` (lower/fuel-meter.ts wrapBody). A declaration moves only if
 * its initialisers are simple (nothing runs between the function's entry and
 * the declaration that they could observe); otherwise returns false and the
 * function is left unsplit.
 */
function hoistDeclarations(body: Stmt[]): boolean {
  const found: { list: Stmt[]; s: Stmt }[] = [];
  const visit = (list: Stmt[]) => {
    for (const s of list) {
      if (s.type === 'VariableDeclaration') found.push({ list, s });
      else if (s.type === 'FunctionDeclaration') return false;
      else if (s.type === 'LabeledStatement') {
        if (visit([s.body]) === false) return false;
      } else for (const l of childLists(s)) if (visit(l) === false) return false;
    }
    return true;
  };
  if (!visit(body)) return false;
  for (const { s } of found) if (s !== body[0] && !s.declarations.every((d: Node) => isSimple(d.init))) return false;
  const merged = { ...A.decl('let', []), kind: 'var' };
  for (const { list, s } of found) {
    merged.declarations.push(...s.declarations);
    list.splice(list.indexOf(s), 1);
  }
  if (merged.declarations.length > 0) body.unshift(merged);
  return true;
}

/**
 * Gives every unlabelled `break`/`continue` the label of its target (adding
 * labels `X<n>` to loops and switches that have none), so a jump keeps its
 * target when it moves into a part or becomes a call site's dispatch.
 */
function labelJumps(body: Stmt[]): void {
  let n = 0;
  // Enclosing loops and switches, innermost last, with the label each has (or null).
  const targets: { node: Stmt; label: string | null; loop: boolean }[] = [];
  const labelOf = (t: { node: Stmt; label: string | null }): string => {
    if (t.label === null) {
      t.label = `X${n++}`;
      const inner = { ...t.node };
      for (const k of Object.keys(t.node)) delete t.node[k];
      Object.assign(t.node, A.labeled(t.label, inner));
      t.node = inner;
    }
    return t.label;
  };
  const visit = (s: Stmt, label: string | null): void => {
    switch (s.type) {
      case 'BreakStatement':
      case 'ContinueStatement':
        if (s.label === null) {
          const loop = s.type === 'ContinueStatement';
          for (let i = targets.length - 1; i >= 0; i--) {
            if (loop && !targets[i].loop) continue;
            s.label = A.id(labelOf(targets[i]));
            break;
          }
        }
        return;
      case 'LabeledStatement':
        return visit(s.body, s.label.name);
      case 'SwitchStatement':
      case 'ForStatement':
      case 'WhileStatement':
      case 'DoWhileStatement': {
        targets.push({ node: s, label, loop: s.type !== 'SwitchStatement' });
        for (const list of childLists(s)) for (const c of list) visit(c, null);
        targets.pop();
        return;
      }
      default:
        for (const list of childLists(s)) for (const c of list) visit(c, null);
    }
  };
  for (const s of body) visit(s, null);
}

/**
 * The statement lists directly inside `s` (the body of an `if` or loop that is
 * not a block is made one first). A labelled statement has none: its body is
 * one statement, visited on its own.
 */
function childLists(s: Stmt): Stmt[][] {
  switch (s.type) {
    case 'BlockStatement':
      return [s.body];
    case 'IfStatement':
      if (s.consequent.type !== 'BlockStatement') s.consequent = A.block([s.consequent]);
      if (s.alternate !== null && s.alternate.type !== 'BlockStatement') s.alternate = A.block([s.alternate]);
      return s.alternate === null ? [s.consequent.body] : [s.consequent.body, s.alternate.body];
    case 'ForStatement':
    case 'WhileStatement':
    case 'DoWhileStatement':
      if (s.body.type !== 'BlockStatement') s.body = A.block([s.body]);
      return [s.body.body];
    case 'SwitchStatement':
      return s.cases.map((c: Node) => c.consequent);
    case 'TryStatement':
      return [s.block.body, ...(s.handler ? [s.handler.body.body] : []), ...(s.finalizer ? [s.finalizer.body] : [])];
    default:
      return [];
  }
}

class Splitter {
  readonly parts: Stmt[] = [];
  /** A part returns a value (the function then declares RETURN_VAR). */
  returns = false;

  constructor(
    private readonly name: string,
    private readonly max: number,
    /** Lightest run worth a part (MIN_PART; less when tests ask for tiny parts). */
    private readonly min: number,
  ) {}

  /** Processes `stmts` in place (inner lists first); returns their weight afterwards. */
  list(stmts: Stmt[]): number {
    const ws = stmts.map((s) => this.stmt(s));
    let total = ws.reduce((a, b) => a + b, 0);
    if (total <= this.max) return total;
    // Cut into runs of at most `max` between declarations, then outline the heaviest first.
    const runs: { from: number; to: number; w: number }[] = [];
    let from = 0;
    let w = 0;
    const close = (to: number) => {
      if (to > from) runs.push({ from, to, w });
      from = to;
      w = 0;
    };
    for (let i = 0; i < stmts.length; i++) {
      if (stmts[i].type === 'VariableDeclaration' || stmts[i].type === 'FunctionDeclaration') {
        close(i);
        from = i + 1;
        continue;
      }
      if (w + ws[i] > this.max) close(i);
      w += ws[i];
    }
    close(stmts.length);
    const chosen = runs.filter((r) => r.w >= this.min).sort((a, b) => b.w - a.w);
    const picked: typeof runs = [];
    for (const r of chosen) {
      if (total <= this.max) break;
      picked.push(r);
      total -= r.w;
    }
    picked.sort((a, b) => b.from - a.from);
    for (const r of picked) {
      const stub = this.outline(stmts.slice(r.from, r.to));
      stmts.splice(r.from, r.to - r.from, stub);
      total += weigh(stub);
    }
    return total;
  }

  /** Processes the lists inside `s`; if `s` still weighs more than `max`, outlines whole lists, heaviest first. */
  private stmt(s: Stmt): number {
    const w = this.stmtOnce(s);
    known.set(s, w);
    return w;
  }

  private stmtOnce(s: Stmt): number {
    if (s.type === 'LabeledStatement') return 2 + this.stmt(s.body);
    // A catch block names its exception variable, which a part could not see.
    const lists = childLists(s).filter((l) => l !== s.handler?.body.body);
    if (lists.length === 0) return weigh(s);
    const lw = lists.map((l) => this.list(l));
    let total = weigh(s);
    if (total <= this.max || lists.length < 2) return total;
    const order = lists.map((_, i) => i).sort((a, b) => lw[b] - lw[a]);
    for (const i of order) {
      if (total <= this.max || lw[i] < this.min) break;
      if (lists[i].some((x) => x.type === 'VariableDeclaration' || x.type === 'FunctionDeclaration')) continue;
      const stub = this.outline(lists[i].slice());
      lists[i].splice(0, lists[i].length, stub);
      total += weigh(stub) - lw[i];
    }
    return total;
  }

  /** Moves `run` into a new part; returns the statement that calls it. */
  private outline(run: Stmt[]): Stmt {
    const name = `${this.name}$p${this.parts.length + 1}`;
    const exits: Stmt[] = [];
    const codes = new Map<string, number>();
    const exit = (key: string, jump: Stmt): Node => {
      let k = codes.get(key);
      if (k === undefined) {
        codes.set(key, (k = codes.size + 1));
        exits.push(jump);
      }
      return A.ret(A.num(k));
    };
    const inside = new Set<string>();
    const rewrite = (s: Stmt): Stmt => {
      switch (s.type) {
        case 'BreakStatement':
        case 'ContinueStatement': {
          const l = s.label.name;
          if (inside.has(l)) return s;
          return exit(`${s.type}:${l}`, s.type === 'BreakStatement' ? A.brk(l) : A.cont(l));
        }
        case 'ReturnStatement':
          if (s.argument === null) return exit('return', A.ret(null));
          this.returns = true;
          if (s.argument.type === 'Identifier' && s.argument.name === RETURN_VAR) return exit('return value', A.ret(A.id(RETURN_VAR)));
          return A.withLoc(A.block([A.exprStmt(A.assign(RETURN_VAR, s.argument)), exit('return value', A.ret(A.id(RETURN_VAR)))]), s.loc?.start.column);
        case 'LabeledStatement': {
          inside.add(s.label.name);
          s.body = rewrite(s.body);
          inside.delete(s.label.name);
          return s;
        }
        default:
          rewriteLists(s);
          return s;
      }
    };
    const rewriteLists = (s: Stmt): void => {
      for (const list of childLists(s)) for (let i = 0; i < list.length; i++) list[i] = rewrite(list[i]);
    };
    for (let i = 0; i < run.length; i++) run[i] = rewrite(run[i]);
    this.parts.push(A.func(name, [], run));
    const loc = run[0]?.loc?.start.column;
    if (exits.length === 0) return A.exprStmt(A.call(name, []), loc);
    return A.switchStmt(A.call(name, []), exits.map((j, i) => ({ tests: [A.num(i + 1)], body: [j] })), loc);
  }
}

/** The identifier an Identifier node stands for (`R[3]`, a register slot of the BigInt form, is `R`). */
function baseName(name: string): string {
  const i = name.indexOf('[');
  return i < 0 ? name : name.slice(0, i);
}

/** What a stretch of code does with variables: how often it names each, and which it assigns. */
interface Uses {
  count: Map<string, number>;
  assigned: Set<string>;
}

/**
 * Calls `f` on every Identifier in expression position in `n` (not labels,
 * not property names, not nested functions), with the node holding it.
 */
function eachName(n: Node, f: (id: Node, holder: Node) => void, holder: Node = null): void {
  if (n === null || typeof n !== 'object') return;
  if (Array.isArray(n)) {
    for (const x of n) eachName(x, f, holder);
    return;
  }
  switch (n.type) {
    case 'Identifier':
      return f(n, holder);
    case 'FunctionDeclaration':
    case 'BreakStatement':
    case 'ContinueStatement':
      return;
    case 'LabeledStatement':
      return eachName(n.body, f, n);
    case 'MemberExpression':
      eachName(n.object, f, n);
      if (n.computed) eachName(n.property, f, n);
      return;
  }
  for (const k in n) {
    if (k === 'loc' || k === 'type') continue;
    const v = n[k];
    if (v !== null && typeof v === 'object') eachName(v, f, n);
  }
}

function uses(n: Node): Uses {
  const u: Uses = { count: new Map(), assigned: new Set() };
  eachName(n, (id, holder) => {
    const b = baseName(id.name);
    u.count.set(b, (u.count.get(b) ?? 0) + 1);
    const written = (holder?.type === 'AssignmentExpression' && holder.left === id) || holder?.type === 'UpdateExpression';
    if (written && b === id.name) u.assigned.add(b);
  });
  return u;
}

/** Names used in `catch` and `finally` blocks anywhere in `body`: they must be current when an exception leaves a part. */
function handlerNames(body: Stmt[]): Set<string> {
  const out = new Set<string>();
  const visit = (n: Node): void => {
    if (n === null || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    if (n.type === 'TryStatement') {
      visit(n.block);
      for (const h of [n.handler?.body, n.finalizer]) if (h) for (const k of uses(h).count.keys()) out.add(k);
      return;
    }
    for (const k in n) if (k !== 'loc' && n[k] !== null && typeof n[k] === 'object') visit(n[k]);
  };
  visit(body);
  return out;
}

const TEMP = /^t\d+$/;
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

/**
 * After the parts are made:
 * - moves each temporary that only one part uses into that part;
 * - in the function and in each part, keeps each function variable the body
 *   names more than once, and that no part it calls touches (directly or
 *   through its own parts), in a local copy (`x$`), so engines keep it in a
 *   register, not in the shared context: read on entry; in a part, written
 *   back before every way out but an exception. Variables that
 *   `catch`/`finally` blocks read, and RETURN_VAR, are never copied: an
 *   exception must find them current.
 */
function localize(fn: Node, body: Stmt[], parts: Stmt[], maxWeight: number): void {
  const decl = body[0]?.type === 'VariableDeclaration' ? body[0] : null;
  const partNames = new Set(parts.map((p) => p.id.name));
  const own = uses(body.filter((s) => s !== decl && !partNames.has(s.id?.name)));
  const partUses = parts.map((p) => uses(p.body.body));
  if (decl !== null) {
    const user = new Map<string, number>(); // temp -> the one part using it, or -1
    const note = (u: Uses, who: number) => {
      for (const n of u.count.keys()) if (TEMP.test(n)) user.set(n, user.get(n) === undefined || user.get(n) === who ? who : -1);
    };
    note(own, -1);
    partUses.forEach(note);
    const moved: [string, Node][][] = parts.map(() => []);
    decl.declarations = decl.declarations.filter((d: Node) => {
      const u = user.get(d.id.name);
      if (u === undefined || u < 0) return true;
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
  const pinned = handlerNames(body);
  pinned.add(RETURN_VAR);
  // What each part touches, with the parts it calls (a part only calls parts made before it).
  const index = new Map(parts.map((p, i) => [p.id.name, i]));
  const touched: Set<string>[] = [];
  parts.forEach((_, i) => {
    const t = new Set(partUses[i].count.keys());
    for (const n of partUses[i].count.keys()) {
      const j = index.get(n);
      if (j !== undefined) for (const x of touched[j]) t.add(x);
    }
    touched.push(t);
  });
  const copy = (stmts: Stmt[], u: Uses, isPart: boolean): Stmt[] => {
    // Variables the parts this body calls touch stay in the context. (Copying them too, written back
    // before such a call and re-read after it, measured slower on Lua: README "Function splitting".)
    const shared = new Set<string>();
    for (const n of u.count.keys()) {
      const k = index.get(n);
      if (k !== undefined) for (const x of touched[k]) shared.add(x);
    }
    const copied = [...u.count].filter(([n, c]) => c > 1 && vars.has(n) && !pinned.has(n) && !shared.has(n)).map(([n]) => n);
    if (copied.length === 0) return stmts;
    const set = new Set(copied);
    stmts = clone(stmts); // the lowering may share expression nodes between statements
    eachName(stmts, (id) => {
      const b = baseName(id.name);
      if (set.has(b)) id.name = b + ALIAS + id.name.slice(b.length);
    });
    const writeBack = (): Stmt[] => copied.filter((n) => u.assigned.has(n)).map((n) => A.exprStmt(A.assign(n, A.id(n + ALIAS))));
    // In a part, every way out but an exception writes the copies back: before each `return`, or,
    // where that would repeat more than EXIT_COPIES_INLINE write-backs, once: a `return` becomes
    // `{ rc$ = code; break P$; }` out of a block around the body, followed by the write-backs and
    // `return rc$`.
    const decls: [string, Node][] = copied.map((n) => [n + ALIAS, A.id(n)]);
    const wb = isPart ? writeBack() : [];
    if (wb.length === 0) return [A.decl('let', decls), ...stmts];
    const once = countReturns(stmts) * wb.length > maxWeight / EXIT_COPIES_INLINE;
    const exits = (list: Stmt[]): void => {
      for (let j = 0; j < list.length; j++) {
        const s = list[j];
        if (s.type === 'ReturnStatement') {
          list[j] = once
            ? A.block([A.exprStmt(A.assign(EXIT_CODE, s.argument ?? A.id('undefined'))), { type: 'BreakStatement', label: A.id(EXIT_LABEL) }])
            : A.block([...writeBack(), s]);
        } else if (s.type === 'LabeledStatement') exits([s.body]); // a labelled statement is never a return
        else for (const l of childLists(s)) exits(l);
      }
    };
    exits(stmts);
    if (!once) return [A.decl('let', decls), ...stmts, ...wb];
    let lead = 0;
    while (lead < stmts.length && stmts[lead].type === 'VariableDeclaration') lead++;
    decls.push([EXIT_CODE, A.id('undefined')]);
    const body: Stmt = { type: 'LabeledStatement', label: A.id(EXIT_LABEL), body: A.block(stmts.slice(lead)) };
    return [A.decl('let', decls), ...stmts.slice(0, lead), body, ...wb, A.ret(A.id(EXIT_CODE))];
  };
  parts.forEach((p, i) => {
    p.body.body = copy(p.body.body, partUses[i], true);
  });
  const from = decl !== null && body[0] === decl ? 1 : 0;
  body.splice(from, body.length - from, ...copy(body.slice(from), own, false));
}

/** A deep copy of ESTree nodes (plain objects, arrays and primitives; `loc` objects are shared, never changed). */
function clone<T>(n: T): T {
  if (n === null || typeof n !== 'object') return n;
  if (Array.isArray(n)) return n.map(clone) as T;
  const out: Record<string, unknown> = {};
  for (const k in n) out[k] = k === 'loc' ? n[k] : clone(n[k]);
  return out as T;
}

/** Adds `name` (initially 0) to the function's leading declaration. */
function declare(body: Stmt[], name: string): void {
  if (body.length > 0 && body[0].type === 'VariableDeclaration') body[0].declarations.push({ type: 'VariableDeclarator', id: A.id(name), init: A.num(0) });
  else body.unshift({ ...A.decl('let', [[name, A.num(0)]]), kind: 'var' });
}
