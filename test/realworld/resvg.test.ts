/**
 * @resvg/resvg-wasm (resvg and tiny-skia in Rust, wasm-bindgen `web`
 * target; an SVG parser and an f32 rasterizer with anti-aliasing, gradients,
 * Gaussian blur): SVG documents with paths, curves, strokes and dashes,
 * transforms, linear and radial gradients, patterns, clip paths, masks,
 * opacity, blend modes and filters rendered at several sizes; every pixel
 * of every image (hashed), the PNG encoding, bounding boxes, and the errors
 * malformed documents raise.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshRequire, packageDir } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';

const WASM = packageWasm('@resvg/resvg-wasm', ['index_bg.wasm']);
const BYTES = readFileSync(join(packageDir('@resvg/resvg-wasm'), 'index_bg.wasm'));

const svg = (w: number, h: number, body: string) => `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">${body}</svg>`;
const DOCS = [
  svg(120, 90, `<rect x="5.5" y="7.25" width="60" height="40" rx="9" fill="#3a7" stroke="#123" stroke-width="2.5"/>
    <circle cx="80" cy="50" r="27.3" fill="rgba(200,40,90,.6)"/><ellipse cx="40" cy="70" rx="30" ry="11" fill="none" stroke="navy" stroke-dasharray="5 2.5 1" stroke-width="1.7"/>`),
  svg(160, 160, `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#f80"/><stop offset=".5" stop-color="#08f" stop-opacity=".5"/><stop offset="1" stop-color="#0f8"/></linearGradient>
    <radialGradient id="r" cx=".4" cy=".4" r=".7" fx=".3" fy=".25"><stop offset="0" stop-color="white"/><stop offset="1" stop-color="#204"/></radialGradient></defs>
    <path d="M10 80 C 40 10, 65 10, 95 80 S 150 150, 150 80 Q 120 20 80 40 T 30 120 Z" fill="url(#g)" stroke="url(#r)" stroke-width="6" stroke-linejoin="round"/>
    <g transform="translate(80 80) rotate(33.3) scale(1.1 .7) skewX(12)"><rect x="-30" y="-20" width="60" height="40" fill="url(#r)" opacity=".8"/></g>`),
  svg(140, 100, `<defs><clipPath id="c"><circle cx="70" cy="50" r="40"/></clipPath><mask id="m"><rect width="140" height="100" fill="white"/><circle cx="70" cy="50" r="15" fill="black"/></mask>
    <filter id="b" x="-20%" y="-20%" width="140%" height="140%"><feGaussianBlur stdDeviation="3.7"/></filter>
    <pattern id="p" width="10" height="10" patternUnits="userSpaceOnUse" patternTransform="rotate(30)"><rect width="5" height="10" fill="#c33"/></pattern></defs>
    <g clip-path="url(#c)" mask="url(#m)"><rect width="140" height="100" fill="url(#p)"/></g>
    <polygon points="10,90 40,60 70,95 100,55 130,90" fill="#39f" filter="url(#b)" style="mix-blend-mode:multiply"/>
    <polyline points="5,5 30,25 55,5 80,25 105,5" fill="none" stroke="#000" stroke-width="3" stroke-linecap="round" stroke-miterlimit="2"/>`),
];

async function workload(): Promise<unknown[]> {
  const resvg = freshRequire<any>('@resvg/resvg-wasm');
  await resvg.initWasm(BYTES);
  const out: unknown[] = [];
  const digest = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  for (const doc of DOCS) {
    for (const fitTo of [{ mode: 'original' }, { mode: 'width', value: 333 }, { mode: 'zoom', value: 0.37 }]) {
      const r = new resvg.Resvg(doc, { fitTo, background: 'rgba(250, 250, 245, .9)', font: { loadSystemFonts: false } });
      const bbox = r.getBBox();
      out.push(bbox === undefined ? null : [bbox.x, bbox.y, bbox.width, bbox.height], r.width, r.height);
      const img = r.render();
      out.push(img.width, img.height, digest(img.pixels), digest(img.asPng()));
      img.free();
      r.free();
    }
  }
  for (const bad of ['<svg', '<svg xmlns="http://www.w3.org/2000/svg" width="-5" height="10"/>', 'not svg at all']) {
    try {
      new resvg.Resvg(bad).free();
      out.push('accepted');
    } catch (e) {
      out.push(String(e));
    }
  }
  return out;
}

sameAsNative('@resvg/resvg-wasm', ['auto'], WASM, workload);
