/**
 * Tables (spec 4.2.8 "Table Instances", JS API `WebAssembly.Table`).
 */
import { funcRefToJS, toFuncRef, type Func } from './func.js';
import { brand, enforceU32 } from './state.js';

/** Kiln's implementation limit on table length, in elements (the same as V8's). */
export const TABLE_MAX_ELEMENTS = 10_000_000;

const TABLE_BRAND = brand('Table');

/** JS API `TableDescriptor`: `element` is `'anyfunc'` (an alias of `'funcref'`), `'funcref'` or `'externref'`; sizes in elements. */
export interface TableDescriptor {
  element: 'anyfunc' | 'funcref' | 'externref';
  initial: number;
  maximum?: number | undefined;
}

/**
 * A table. Fields (ABI.md): `elements` (a JS array whose identity never
 * changes; funcref tables hold `Func` or `null`, externref tables any JS
 * value with `null` the null reference), `type` (`'funcref'` or
 * `'externref'`), `max` (effective maximum length: min(declared maximum ??
 * 2^32 - 1, `TABLE_MAX_ELEMENTS`)), `declaredMax` (declared maximum or undefined).
 */
export class Table {
  /** `instanceof` holds for a Table made by any runtime copy of the same ABI version (JS API glue checks it). */
  static [Symbol.hasInstance](x: unknown): boolean {
    return isTable(x);
  }

  elements: unknown[];
  type: 'funcref' | 'externref';
  max: number;
  declaredMax: number | undefined;

  /**
   * JS API `new WebAssembly.Table({ element, initial, maximum }, value)`.
   * Every element starts as `init` converted by ToWebAssemblyValue; when
   * `init` is undefined: null for funcref, `undefined` for externref (JS API
   * DefaultValue). Generated code passes `null`.
   * @throws TypeError for a bad element type, sizes that are not integers in
   * [0, 2^32 - 1], or a funcref `init` that is neither null nor a Kiln function;
   * RangeError when `maximum < initial` or `initial > TABLE_MAX_ELEMENTS`.
   */
  constructor(descriptor: TableDescriptor, init?: unknown) {
    const el = descriptor.element;
    if (el !== 'anyfunc' && el !== 'funcref' && el !== 'externref') throw new TypeError(`bad table element type ${String(el)}`);
    const initial = enforceU32(descriptor.initial, 'initial');
    const maximum = descriptor.maximum === undefined ? undefined : enforceU32(descriptor.maximum, 'maximum');
    if (maximum !== undefined && maximum < initial) throw new RangeError(`maximum table size ${maximum} is below the initial size ${initial}`);
    const max = Math.min(maximum ?? 0xffffffff, TABLE_MAX_ELEMENTS);
    if (initial > max) throw new RangeError(`initial table size ${initial} exceeds the limit of ${max} elements`);
    this.type = el === 'externref' ? 'externref' : 'funcref';
    this.max = max;
    this.declaredMax = maximum;
    this.elements = [];
    const v = this.fromJS(init);
    for (let i = 0; i < initial; i++) this.elements.push(v);
  }

  /**
   * `table.grow` (spec 4.4.6): appends `delta` elements (an int32 read as
   * unsigned) set to the internal value `init`, in place. Returns the old
   * length, or -1 when the new length would exceed `max` or allocation fails
   * (the table is unchanged then). Never throws.
   */
  growRefs(delta: number, init: unknown): number {
    const el = this.elements;
    const old = el.length;
    delta >>>= 0;
    if (delta > this.max - old) return -1;
    try {
      for (let i = 0; i < delta; i++) el.push(init);
    } catch {
      el.length = old;
      return -1;
    }
    return old;
  }

  /** JS API `length`: the current number of elements. */
  get length(): number {
    return this.elements.length;
  }

  /**
   * JS API `get(index)`: the element; a funcref table returns the JS-facing function or null.
   * @throws TypeError for a bad index; RangeError when `index >= length`.
   */
  get(index: number): unknown {
    const i = this.index(index);
    const v = this.elements[i];
    return this.type === 'funcref' ? funcRefToJS(v as Func | null) : v;
  }

  /**
   * JS API `set(index, value)`: stores `value` converted by ToWebAssemblyValue
   * (funcref: null or a Kiln exported function); a missing value is the default.
   * @throws TypeError for a bad index or value; RangeError when `index >= length`.
   */
  set(index: number, value?: unknown): void {
    const i = this.index(index);
    this.elements[i] = this.fromJS(value);
  }

  /**
   * JS API `grow(delta, value)`: grows by `delta` elements set to `value`
   * (converted as for `set`); returns the old length.
   * @throws TypeError for a bad delta or value; RangeError when the table cannot grow.
   */
  grow(delta: number, value?: unknown): number {
    const d = enforceU32(delta, 'delta');
    const r = this.growRefs(d, this.fromJS(value));
    if (r < 0) throw new RangeError(`cannot grow table of ${this.elements.length} elements by ${d} (maximum ${this.max})`);
    return r;
  }

  private index(index: number): number {
    const i = enforceU32(index, 'index');
    if (i >= this.elements.length) throw new RangeError(`table index ${i} out of bounds (length ${this.elements.length})`);
    return i;
  }

  /** ToWebAssemblyValue for this table's element type; `undefined` means "missing" (JS API DefaultValue). */
  private fromJS(v: unknown): unknown {
    if (this.type === 'externref') return v;
    return v === undefined ? null : toFuncRef(v);
  }
}
(Table.prototype as any)[TABLE_BRAND] = true;

/** True for a Kiln `Table`, including one made by another runtime copy of the same ABI version. */
export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && (v as any)[TABLE_BRAND] === true;
}
