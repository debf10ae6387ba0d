/**
 * lightningcss-wasm (Parcel's CSS parser, transformer and minifier, Rust, 15.8
 * MB of wasm behind napi-wasm, a JS emulation of Node-API): stylesheets
 * transformed for old browser targets, minified, with CSS modules, a source
 * map, nesting and custom media, and a parse error, on Kiln and on native
 * WebAssembly; every output must be identical.
 */
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';

const WASM = packageWasm('lightningcss-wasm', ['lightningcss_node.wasm']);

const CSS = String.raw`
@custom-media --narrow (max-width: 40em);
:root { --accent: oklch(62% 0.21 25); --pad: clamp(1rem, 2vw + 0.5rem, 3rem); }
.card {
  display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: var(--pad);
  background: linear-gradient(to right, lab(60% 40 30) 0%, color-mix(in srgb, var(--accent) 40%, white));
  transition: transform .3s cubic-bezier(.2, .8, .2, 1), opacity 300ms;
  &:hover { transform: translate3d(0, -2px, 0) rotate(0.5turn); user-select: none; }
  & > .title::before { content: "\2014  «ÿ»"; inset-inline-start: 0; }
  @media (--narrow) { grid-template-columns: 1fr; margin: 0 0 0 0; }
}
.a, .b, .a { color: #ff000080; mask-image: url("data:image/svg+xml;utf8,<svg/>"); backdrop-filter: blur(4px); }
@supports (display: grid) and (not (display: inline-grid)) { .c { inset: 0; aspect-ratio: 16 / 9; } }
@keyframes spin { from { rotate: 0deg } to { rotate: 360deg } }
.d { animation: 2s linear infinite spin; font: italic small-caps bold condensed 16px/2 cursive; }
`;

async function workload(): Promise<unknown[]> {
  const css = freshRequire('lightningcss-wasm');
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const out: unknown[] = [];
  const targets = [{ chrome: 60 << 16, safari: (11 << 16) | (1 << 8), firefox: 55 << 16 }, { chrome: 120 << 16 }];
  for (const t of targets) {
    for (const minify of [false, true]) {
      const r = css.transform({ filename: 'card.css', code: enc.encode(CSS), minify, targets: t, sourceMap: true, drafts: { customMedia: true } });
      out.push(dec.decode(r.code), r.map ? dec.decode(r.map) : null, r.warnings.map((w: { message: string }) => w.message));
    }
  }
  const mod = css.transform({ filename: 'm.css', code: enc.encode('.x { composes: y; color: red } .y { color: blue } #z .x:hover { color: green }'), cssModules: true, minify: true });
  out.push(dec.decode(mod.code), JSON.stringify(mod.exports));
  out.push(dec.decode(css.transformStyleAttribute({ code: enc.encode('color: rgb(255 0 0 / 50%); margin: 1px 1px 1px 1px'), minify: true }).code));
  try {
    css.transform({ filename: 'bad.css', code: enc.encode('.a { color: red; } } @media { .b { color: } '), minify: true, errorRecovery: false });
    out.push('no error');
  } catch (e) {
    out.push(String((e as Error).message));
  }
  return out;
}

// Compiling its 15.8 MB of wasm ahead of time takes 30-50 s of the default 60 s timeout on a 2-core machine.
sameAsNative('lightningcss-wasm', ['auto'], WASM, workload, 1, {}, 180_000);
