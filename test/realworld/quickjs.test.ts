/**
 * quickjs-emscripten (the QuickJS JavaScript engine in C, Emscripten; its
 * bytecode interpreter, garbage collector, double-to-string and
 * string-to-double conversions, libm, regex engine and arbitrary-precision
 * BigInts): JS programs evaluated inside QuickJS running on Kiln, each
 * printing what it computed (number formatting, Math, BigInt, JSON,
 * regular expressions, sorting, closures, generators, exceptions, Proxy,
 * typed arrays, deep recursion, a syntax error and a thrown error).
 */
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';

const WASM = packageWasm('@jitl/quickjs-wasmfile-release-sync', ['dist/emscripten-module.wasm']);

const PROGRAMS = [
  `[0.1 + 0.2, 1 / 3, 2 ** 0.5, 1e21, 1e-7, 123456789.123456789, -0, 5e-324, 1.7976931348623157e308, (0.000001234).toPrecision(3),
    (1234.5678).toFixed(2), (255).toString(16), (0.5).toString(3), parseFloat('3.14159e2'), Number('0x1fffffffffffff'), (1e21).toLocaleString()].join(' ')`,
  `[Math.sin(1), Math.cos(1e6), Math.tan(0.5), Math.exp(-3.5), Math.log(10), Math.log2(3), Math.pow(1.0001, 10000), Math.atan2(-1, -2),
    Math.cbrt(27.5), Math.hypot(3, 4, 12), Math.sinh(2), Math.expm1(1e-10), Math.log1p(1e-10), Math.fround(1.1), Math.clz32(1000), Math.imul(0x7fffffff, 7)].join(' ')`,
  `let f = 1n; for (let i = 1n; i <= 60n; i++) f *= i; [f, f % 1000000007n, (2n ** 200n) / 3n, (-7n) >> 2n, BigInt.asUintN(64, -1n), BigInt.asIntN(32, 0xfedcba98n), (123n ** 45n).toString(36)].join(' ')`,
  `JSON.stringify(JSON.parse('{"a":[1,2.5,{"b":null,"c":"\\\\u00e9\\\\n"}],"d":1e400,"e":-0}'), null, 1) + JSON.stringify({ x: [new Map(), undefined, () => 1, NaN] })`,
  `const s = 'The quick brown fox jumps over the lazy dog 2024-12-05 and 1999-01-31'; [s.replace(/(\\w+) (\\w+)/g, '$2 $1'), JSON.stringify(s.match(/(\\d{4})-(\\d{2})-(\\d{2})/g)),
    /(?<y>\\d{4})-(?<m>\\d{2})/.exec(s).groups.m, s.split(/\\s+/).length, /^(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaab'), 'ß'.toUpperCase(), 'İ'.toLowerCase().length].join('|')`,
  `let seed = 42; const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const a = Array.from({ length: 2000 }, () => Math.floor(rnd() * 1e6) / 7); a.sort((x, y) => x - y);
    const objs = a.map((v, i) => ({ v: Math.round(v) % 100, i })); objs.sort((p, q) => p.v - q.v);
    [a[0], a[999], a[1999], objs.slice(0, 5).map((o) => o.i).join(','), a.reduce((x, y) => x + y, 0)].join(' ')`,
  `function* fib() { let [a, b] = [0, 1]; for (;;) { yield a; [a, b] = [b, a + b]; } }
    const out = []; for (const x of fib()) { if (x > 1e15) break; out.push(x); }
    const counters = Array.from({ length: 5 }, (_, i) => { let c = i; return () => (c = c * 3 + 1); });
    out.length + ' ' + out[out.length - 1] + ' ' + counters.map((c) => (c(), c(), c())).join(',')`,
  `const log = []; try { try { null.x; } catch (e) { log.push(e.constructor.name, e.message); throw new RangeError('inner'); } finally { log.push('finally'); } } catch (e) { log.push(e.name + ':' + e.message); }
    const p = new Proxy({}, { get: (t, k) => k === 'then' ? undefined : 'got ' + String(k), has: () => true }); log.push(p.hello, 'anything' in p);
    function deep(n) { return n === 0 ? 0 : 1 + deep(n - 1); } log.push(deep(200));
    log.join('|')`,
  `const buf = new ArrayBuffer(32); const dv = new DataView(buf); dv.setFloat64(0, Math.PI); dv.setInt32(8, -123456, true); dv.setBigUint64(16, 0xdeadbeefcafebaben);
    const f32 = new Float32Array([1.1, 16777217, 3.4e38, 1e-45]); const u8 = new Uint8Array(buf);
    [Array.from(u8).join(','), Array.from(f32).join(','), new Int16Array(buf, 0, 4).join(','), dv.getBigInt64(16)].join(' ')`,
  `const m = new Map(); for (let i = 0; i < 5000; i++) m.set('k' + (i * 7919 % 5000), i); let s = 0; for (const [k, v] of m) s = (s * 31 + v + k.length) % 1000003;
    const o = {}; for (let i = 0; i < 300; i++) o[String.fromCharCode(65 + i % 26) + i] = i * i; s + ' ' + Object.keys(o).slice(0, 8).join(',') + ' ' + JSON.stringify(o).length`,
  `syntax error here (`,
  `throw new TypeError('from inside QuickJS')`,
];

async function workload(): Promise<unknown[]> {
  const q = freshRequire<any>('quickjs-emscripten', 'quickjs-emscripten', ['quickjs-emscripten-core', '@jitl/quickjs-wasmfile-release-sync']);
  const QuickJS = await q.newQuickJSWASMModule(q.RELEASE_SYNC);
  const out: unknown[] = [];
  for (const code of PROGRAMS) {
    const vm = QuickJS.newContext();
    const r = vm.evalCode(code);
    if (r.error) {
      const e = vm.dump(r.error);
      out.push({ error: `${e.name}: ${e.message}` });
      r.error.dispose();
    } else {
      out.push(vm.dump(r.value));
      r.value.dispose();
    }
    vm.dispose();
  }
  return out;
}

sameAsNative('quickjs-emscripten', ['auto'], WASM, workload);
