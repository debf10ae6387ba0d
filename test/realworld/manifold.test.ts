/**
 * manifold-3d (the Manifold solid-modeling library in C++, with Clipper2's
 * integer polygon clipping; Emscripten with embind and a memory that may
 * pass 2 GiB, so every pointer crosses as unsigned): cubes, spheres and
 * cylinders combined by boolean operations, transformed, warped by a JS
 * function turned into a table entry (`addFunction`), extruded and revolved
 * from 2D cross-sections offset and clipped by Clipper2, hulled, sliced and
 * decomposed; volumes, areas, genus, bounding boxes and a hash of every
 * mesh's vertices and triangles.
 */
import { createHash } from 'node:crypto';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';

const WASM = packageWasm('manifold-3d', ['manifold.wasm']);
// An ES module, loaded once: each call of its default export instantiates anew.
const load = (await import('manifold-3d/manifold')).default;

async function workload(): Promise<unknown[]> {
  const wasm = await load();
  wasm.setup();
  const { Manifold, CrossSection } = wasm;
  const out: unknown[] = [];
  const hash = (m: any) => {
    const mesh = m.getMesh();
    const h = createHash('sha256');
    h.update(new Uint8Array(mesh.vertProperties.buffer, mesh.vertProperties.byteOffset, mesh.vertProperties.byteLength));
    h.update(new Uint8Array(mesh.triVerts.buffer, mesh.triVerts.byteOffset, mesh.triVerts.byteLength));
    const box = m.boundingBox();
    return [m.numVert(), m.numTri(), m.volume(), m.surfaceArea(), m.genus(), box.min, box.max, h.digest('hex')];
  };
  const cube = Manifold.cube([2, 2, 2], true);
  const sphere = Manifold.sphere(1.3, 48);
  const cyl = Manifold.cylinder(3, 0.5, 0.5, 32, true);
  const body = cube.intersect(sphere).subtract(Manifold.union([cyl, cyl.rotate([90, 0, 0]), cyl.rotate([0, 90, 0])]));
  out.push(hash(body));
  const twisted = body.translate([0.25, -0.5, 1]).rotate([17, 31, 5]).scale([1.5, 0.75, 1.1]);
  out.push(hash(twisted));
  const warped = sphere.warp((v: number[]) => {
    v[2] += Math.sin(v[0] * 3) * 0.2;
    v[0] *= 1 + v[1] * 0.1;
  });
  out.push(hash(warped));
  const star = CrossSection.ofPolygons([Array.from({ length: 10 }, (_, i) => {
    const r = i % 2 === 0 ? 2 : 0.8;
    const a = (i * Math.PI) / 5;
    return [r * Math.cos(a), r * Math.sin(a)];
  })]);
  const rounded = star.offset(0.15, 'Round', 2, 24).subtract(CrossSection.circle(0.4, 30));
  out.push(rounded.area(), rounded.numVert(), rounded.bounds());
  const extruded = rounded.extrude(1.5, 10, 45, [0.6, 0.6]);
  out.push(hash(extruded));
  out.push(hash(CrossSection.square([1, 0.5]).translate([1, 0]).revolve(40, 270)));
  out.push(hash(Manifold.hull([sphere.translate([2, 0, 0]), cube.translate([-1, 1, 0])])));
  const slice = body.slice(0.3);
  out.push(slice.area(), slice.numContour?.() ?? null, slice.toPolygons().length);
  const parts = Manifold.compose([cube.translate([5, 0, 0]), sphere]).decompose();
  out.push(parts.map((p: any) => p.volume()));
  out.push(hash(body.refine(2).smoothOut()));
  for (const m of [cube, sphere, cyl, body, twisted, warped, extruded, ...parts]) m.delete();
  return out;
}

sameAsNative('manifold-3d', ['auto'], WASM, workload);
