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
 * arm, an if arm, a loop body) move into functions `<name>$p<k>`, bottom-up,
 * until the function and every part weigh at most `maxWeight` (a single
 * statement that cannot be cut further may exceed it). In a `br_table`
 * dispatch nest (an interpreter loop, `dispatchLevels`) every arm
 * becomes a part of its own first, so the dispatch `switch` stays in the
 * function and reaches an arm with one call; such a dispatch loop that sits
 * inside another loop then becomes a part of its own (`innerDispatch`). The variables parts share live
 * in a frame object the function makes on entry and passes to each part
 * (`f$p1(fr$)`, split-vars.ts `frame`), so nothing is copied in or out at a
 * call and the parts capture nothing: `splitFunction` leaves them in
 * `fn.hoisted`, declared beside the function (passes/index.ts), made once
 * per instance. Where the frame cannot be made (a declaration initialised
 * from another variable, or more than 128 shared variables) the parts are
 * closures declared at the top of the function instead, sharing its
 * variables through its context. A `break` or
 * `continue` leaving the run, or a `return`, becomes `return <code>` in the
 * part and the call site dispatches on the code (`switch (f$p1(fr$)) { case 1:
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
import { childLists, LOOPS } from './statements.js';
import { bigIntTemps, frame, localize, ownViews, RETURN_VAR } from './split-vars.js';
import { caseLocalTemps, TEMP } from './uses.js';
import { liveness, namesIn, unionBits, type Liveness, type PartLive } from './live.js';

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

/**
 * Splits `fn` (a FunctionDeclaration from lowerFunction) in place so no
 * function in it weighs more than `maxWeight` AST nodes. Returns the number of
 * parts made (0: unchanged); the parts are in `fn.hoisted` (to be declared
 * beside `fn`) or, when they are closures, declared at the top of its body.
 */
export function splitFunction(fn: Node, maxWeight: number): number {
  const body: Stmt[] = fn.body.body;
  if (!heavier(body, maxWeight)) return 0;
  if (!hoistDeclarations(body)) return 0;
  const caseLocal = caseLocalTemps(body);
  labelJumps(body);
  const declared: string[] = body[0]?.type === 'VariableDeclaration' ? body[0].declarations.map((d: Node) => d.id.name) : [];
  const tracked = [...fn.params.map((p: Node) => p.name), ...declared].filter((n) => !TEMP.test(n));
  const live = liveness(body, tracked);
  const s = new Splitter(fn.id.name, maxWeight, Math.min(MIN_PART, maxWeight / 4), dispatchLevels(body), body, live);
  s.list(body);
  known = new WeakMap();
  if (s.parts.length === 0) return 0;
  const own = ownViews(body, s.parts);
  const bigTemps = bigIntTemps(body, s.parts);
  localize(fn, body, s.parts, maxWeight, bigTemps, own, caseLocal, s.lives);
  if (s.returns) declare(body, RETURN_VAR);
  const maker = frame(fn, body, s.parts, bigTemps, own);
  if (maker !== null) fn.hoisted = [...s.parts, ...maker];
  else {
    const at = body.length > 0 && body[0].type === 'VariableDeclaration' ? 1 : 0;
    body.splice(at, 0, ...s.parts);
  }
  return s.parts.length;
}

/** Weights of statements the splitter has finished (their insides no longer change), so each node is weighed once. */
let known = new WeakMap<Node, number>();

/** AST nodes in `n` (objects with a `type`), the pass's proxy for bytecode size. */
export function weigh(n: Node): number {
  if (n === null || typeof n !== 'object') return 0;
  if (Array.isArray(n)) return weighList(n);
  switch (n.type) {
    case 'Identifier':
    case 'Literal':
      return 1;
    case 'BinaryExpression':
    case 'LogicalExpression':
    case 'AssignmentExpression':
      return 1 + weigh(n.left) + weigh(n.right);
    case 'ExpressionStatement':
      return 1 + weigh(n.expression);
    case 'CallExpression':
      return 1 + weigh(n.callee) + weighList(n.arguments);
    case 'MemberExpression':
      return 1 + weigh(n.object) + weigh(n.property);
    case 'UnaryExpression':
      return 1 + weigh(n.argument);
    case 'BreakStatement':
    case 'ContinueStatement':
      return n.label === null ? 1 : 2;
  }
  // A statement the splitter has finished (the common expressions above never are one).
  const k = known.get(n);
  if (k !== undefined) return k;
  let w = 1;
  for (const k of A.childKeys(n)) {
    const v = n[k];
    if (v !== null && typeof v === 'object') w += weigh(v);
  }
  return w;
}

/**
 * Whether `ns` weighs more than `max` (`weighList(ns) > max`, with nothing of
 * it weighed yet), walking only as far as it takes to tell: the function
 * that needs splitting is the huge one, and the whole of SQLite's
 * `sqlite3VdbeExec` was walked just to learn it was over 12,000 nodes.
 * Exported for test/ast-keys.test.ts, which checks it against `weighList`.
 */
export function heavier(ns: Node[], max: number): boolean {
  let left = max;
  const over = (n: Node): boolean => {
    if (n === null || typeof n !== 'object') return false;
    if (Array.isArray(n)) {
      for (const x of n) if (over(x)) return true;
      return false;
    }
    if (--left < 0) return true;
    if (n.type === 'Identifier' || n.type === 'Literal') return false;
    for (const k of A.childKeys(n)) if (over(n[k])) return true;
    return false;
  };
  return over(ns);
}

/**
 * `weigh(s)` for a statement whose lists (childLists, in order) weigh `lw`,
 * without walking them again: the splitter has just weighed them.
 * Exported for test/ast-keys.test.ts, which checks it equals `weigh`.
 */
export function weighAround(s: Stmt, lw: number[]): number {
  switch (s.type) {
    case 'BlockStatement':
      return 1 + lw[0]!;
    case 'IfStatement':
      return 1 + weigh(s.test) + 1 + lw[0]! + (s.alternate === null ? 0 : 1 + lw[1]!);
    case 'ForStatement':
      return 1 + weigh(s.init) + weigh(s.test) + weigh(s.update) + 1 + lw[0]!;
    case 'WhileStatement':
    case 'DoWhileStatement':
      return 1 + weigh(s.test) + 1 + lw[0]!;
    case 'SwitchStatement': {
      let w = 1 + weigh(s.discriminant);
      s.cases.forEach((c: Node, i: number) => (w += 1 + weigh(c.test) + lw[i]!));
      return w;
    }
  }
  return weigh(s);
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
 * locals inside a `try` (lower/fuel-meter.ts wrapFuelBody). A declaration moves only if
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


/** A `br_table` dispatch over at least this many nested blocks has its arms outlined one by one. */
const DISPATCH_DEPTH = 8;

/**
 * The statement lists that are levels of a dispatch nest: a `br_table` lowers
 * to a `switch` at the bottom of nested labelled blocks (`L1: { L2: { ...
 * t = x; switch (t) { case 0: break L9; ... } ... } arm2 } arm1`), and the
 * code after each block's end is the arm its label's branches reach. A level is a list
 * whose first statement is the next labelled block in; its other statements
 * are that block's arm. Cut by weight alone, the nest was outlined level by
 * level, so the switch ended in a part inside a part, and each dispatch made
 * a call per level and copied each level's variables in and out (Lua's and
 * SQLite's interpreter loops); an arm of its own is a part the function's
 * switch reaches with one call.
 *
 * Every arm worth a part (`MIN_PART`) is outlined, not only the heaviest:
 * an arm left inline that is first reached after V8 has optimized the
 * dispatch function throws that code away ("Insufficient type feedback"),
 * and SQLite's dispatch part was compiled 7 times in json_fts.sql so; with
 * every arm outlined the dispatch function is small and its compiles
 * cheap (test/bench/JOURNAL.md "Every dispatch arm outlined": -7% of json_fts.sql's instructions,
 * -12% of cte_compute.sql's, -11% of fannkuch.lua's).
 */
function dispatchLevels(body: Stmt[]): WeakSet<Stmt[]> {
  const levels = new WeakSet<Stmt[]>();
  const inner = (list: Stmt[]): Stmt[] | null => {
    const s = list[0];
    return s?.type === 'LabeledStatement' && s.body.type === 'BlockStatement' ? s.body.body : null;
  };
  const visit = (list: Stmt[]): void => {
    const chain = [list];
    for (let l = inner(list); l !== null; l = inner(l)) chain.push(l);
    const bottom = chain[chain.length - 1];
    if (chain.length > DISPATCH_DEPTH && bottom[bottom.length - 1]?.type === 'SwitchStatement') {
      for (const l of chain.slice(0, -1)) levels.add(l);
    }
    // Each list once: a level's first statement is the next list of the chain.
    chain.forEach((l, k) => {
      for (let i = k < chain.length - 1 ? 1 : 0; i < l.length; i++) {
        const s = l[i];
        if (s.type === 'LabeledStatement') visit([s.body]);
        else for (const c of childLists(s)) visit(c);
      }
    });
  };
  visit(body);
  return levels;
}

class Splitter {
  readonly parts: Stmt[] = [];
  /** What is live at each part's ends (live.ts), for `localize`. */
  readonly lives = new Map<Stmt, PartLive>();
  /** A part returns a value (the function then declares RETURN_VAR). */
  returns = false;

  constructor(
    private readonly name: string,
    private readonly max: number,
    /** Lightest run worth a part (MIN_PART; less when tests ask for tiny parts). */
    private readonly min: number,
    /** Levels of dispatch nests (dispatchLevels). */
    private readonly levels: WeakSet<Stmt[]>,
    /** The function's own statement list. */
    private readonly top: Stmt[],
    /** Live variables before the split (live.ts), or null when unknown. */
    private readonly live: Liveness | null,
  ) {
    this.flatLoopBody = flatLoopBody(top);
  }

  /**
   * The body of the flat form's dispatch loop `D` when it is the function's
   * own statement (lower/func.ts), never cut into runs: the loop then moves
   * into a part whole, its `switch` with it, and a jump from state to state
   * stays a `continue` in that part. Cut, the `switch` became a part the
   * function's loop called once per state, copying the part's variables in
   * and out each time (QuickJS's `JS_CallInternal`: a call per interpreted
   * bytecode).
   */
  private readonly flatLoopBody: Stmt[] | null;
  /** Loops enclosing the statement list being processed, in this function, innermost last. */
  private readonly loops: Stmt[] = [];
  /** Loops whose body (not within an inner loop) holds a dispatch nest with outlined arms. */
  private readonly dispatchLoops = new Set<Stmt>();

  /** Processes `stmts` in place (inner lists first); returns their weight afterwards. */
  list(stmts: Stmt[]): number {
    const ws = stmts.map((s) => this.stmt(s));
    if (this.levels.has(stmts)) {
      this.arm(stmts, ws);
      if (this.loops.length > 0) this.dispatchLoops.add(this.loops[this.loops.length - 1]);
    }
    if (this.loops.length > 0) this.innerDispatch(stmts, ws);
    let total = ws.reduce((a, b) => a + b, 0);
    if (total <= this.max || stmts === this.flatLoopBody) return total;
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
    // The function's whole code in one part and nothing else cut: the part would be as heavy as the
    // function, plus a frame made, filled and read back on every call (SQLite's rtreeInsertCell ran
    // 10x native so). Leave the function whole.
    if (stmts === this.top && this.parts.length === 0 && runs.length === 1 && picked.length === 1) return total;
    picked.sort((a, b) => b.from - a.from);
    for (const r of picked) {
      const stub = this.outline(stmts.slice(r.from, r.to));
      stmts.splice(r.from, r.to - r.from, stub);
      total += weigh(stub);
    }
    return total;
  }

  /** Outlines the arm of dispatch level `stmts` (all but its first statement; `ws`, their weights, is updated) when it is worth a part and fits in one. */
  private arm(stmts: Stmt[], ws: number[]): void {
    let w = 0;
    for (let i = 1; i < stmts.length; i++) {
      if (stmts[i].type === 'VariableDeclaration' || stmts[i].type === 'FunctionDeclaration') return;
      w += ws[i];
    }
    if (w < this.min || w > this.max) return;
    const stub = this.outline(stmts.slice(1));
    stmts.splice(1, stmts.length - 1, stub);
    ws.splice(1, ws.length - 1, weigh(stub));
  }

  /**
   * Outlines each dispatch loop in `stmts` (a loop whose body is a dispatch
   * nest with outlined arms: an interpreter's loop) into a part of its own:
   * `stmts` is inside another loop, and V8 compiles a long-running call of a
   * function on the stack (OSR) from an inner loop, then throws that code
   * away (`exit from OSR'd inner loop`) each time the loop is left for the
   * outer one, and enters it again the next time round: Lua's `luaV_execute`
   * (a loop per Lua call and return around its dispatch loop) did so 783
   * times in nbody.lua. In a part the loop is outermost; leaving it returns.
   */
  private innerDispatch(stmts: Stmt[], ws: number[]): void {
    for (let i = 0; i < stmts.length; i++) {
      const loop = stmts[i].type === 'LabeledStatement' ? stmts[i].body : stmts[i];
      if (!this.dispatchLoops.has(loop)) continue;
      const stub = this.outline([stmts[i]]);
      stmts[i] = stub;
      ws[i] = weigh(stub);
    }
  }

  /** Processes the lists inside `s`; if `s` still weighs more than `max`, outlines whole lists, heaviest first. */
  private stmt(s: Stmt): number {
    const w = this.stmtOnce(s);
    // `weigh` reaches these through its own fast paths, never through `known`.
    if (s.type !== 'ExpressionStatement' && s.type !== 'BreakStatement' && s.type !== 'ContinueStatement') known.set(s, w);
    return w;
  }

  private stmtOnce(s: Stmt): number {
    if (s.type === 'LabeledStatement') return 2 + this.stmt(s.body);
    // A catch block names its exception variable, which a part could not see.
    let lists = childLists(s);
    if (lists.length === 0) return weigh(s);
    if (s.type === 'TryStatement') lists = lists.filter((l) => l !== s.handler?.body.body);
    if (lists.length === 0) return weigh(s);
    const loop = LOOPS.has(s.type);
    if (loop) this.loops.push(s);
    const lw = lists.map((l) => this.list(l));
    if (loop) this.loops.pop();
    let total = weighAround(s, lw);
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
    // Live where the part may end (split-vars.ts `localize` writes back only those): after its
    // last statement, and where each jump out of it lands; undefined: unknown.
    const live = this.live;
    const liveIn = live?.before.get(run[0]);
    let liveOut = live?.after.get(run[run.length - 1]);
    // By exit code - 1: live where that exit lands (null: unknown).
    const exitLive: (Set<string> | null)[] = [];
    const rewrite = (s: Stmt): Stmt => {
      switch (s.type) {
        case 'BreakStatement':
        case 'ContinueStatement': {
          const l = s.label.name;
          if (inside.has(l)) return s;
          const lands = live?.before.get(s);
          liveOut = liveOut && lands && unionBits(liveOut, lands);
          const jump = s.type === 'BreakStatement' ? A.brk(l) : A.cont(l);
          if (lands !== undefined) live!.before.set(jump, lands);
          const r = exit(`${s.type}:${l}`, jump);
          if (live !== null) exitLive[r.argument.value - 1] = namesIn(live, lands);
          return r;
        }
        case 'ReturnStatement': {
          // The function returns: nothing in its frame is read again.
          const ret = (key: string, jump: Stmt): Node => {
            const r = exit(key, jump);
            exitLive[r.argument.value - 1] = new Set();
            return r;
          };
          if (s.argument === null) return ret('return', A.ret(null));
          this.returns = true;
          if (s.argument.type === 'Identifier' && s.argument.name === RETURN_VAR) return ret('return value', A.ret(A.id(RETURN_VAR)));
          return A.withLoc(A.block([A.exprStmt(A.assign(RETURN_VAR, s.argument)), ret('return value', A.ret(A.id(RETURN_VAR)))]), s.loc?.start.column);
        }
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
    const fallsOut = live?.after.get(run[run.length - 1]);
    for (let i = 0; i < run.length; i++) run[i] = rewrite(run[i]);
    const part = A.func(name, [], run);
    if (live !== null) {
      this.lives.set(part, { in: namesIn(live, liveIn), out: namesIn(live, liveOut), fall: namesIn(live, fallsOut), exits: exitLive, tracked: new Set(live.names) });
    }
    this.parts.push(part);
    const loc = run[0]?.loc?.start.column;
    const stub = exits.length === 0 ? A.exprStmt(A.call(name, []), loc) : A.switchStmt(A.call(name, []), exits.map((j, i) => ({ tests: [A.num(i + 1)], body: [j] })), loc);
    if (live !== null && liveIn !== undefined && fallsOut !== undefined) {
      live.before.set(stub, liveIn);
      live.after.set(stub, fallsOut);
    }
    return stub;
  }
}

/** The statements of the flat form's dispatch loop `D` (lower/func.ts) when it stands in `top`, else null. */
function flatLoopBody(top: Stmt[]): Stmt[] | null {
  const d = top.find((s) => s.type === 'LabeledStatement' && s.label.name === 'D');
  return d?.body.type === 'ForStatement' && d.body.body.type === 'BlockStatement' ? d.body.body.body : null;
}

/** Adds `name` (initially 0) to the function's leading declaration. */
function declare(body: Stmt[], name: string): void {
  if (body.length > 0 && body[0].type === 'VariableDeclaration') body[0].declarations.push({ type: 'VariableDeclarator', id: A.id(name), init: A.num(0) });
  else body.unshift({ ...A.decl('let', [[name, A.num(0)]]), kind: 'var' });
}
