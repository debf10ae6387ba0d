/**
 * draco3d (Google's Draco mesh compression, C++, Emscripten with WebIDL
 * bindings; the decoder three.js loads, and the encoder): the package's
 * bunny.drc decoded, then re-encoded with edgebreaker and sequential methods
 * at several speeds and quantizations and decoded again, on Kiln and on
 * native WebAssembly. Faces, attribute values (as float bits) and encoded
 * bytes must be identical.
 */
import { expect } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshRequire, packageDir } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';

const WASM = packageWasm('draco3d', ['draco_decoder.wasm', 'draco_encoder.wasm']);
const BUNNY = new Int8Array(readFileSync(join(packageDir('draco3d'), 'bunny.drc')));
const ATTRS = { POSITION: 3, NORMAL: 3, COLOR: 3, TEX_COORD: 2 } as const;

const sha = (a: ArrayBufferView) => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');

interface Mesh {
  faces: Uint32Array;
  attrs: Map<string, Float32Array>;
}

/** Decodes Draco bytes into faces and float attributes with decoder module `D`. */
function decode(D: any, bytes: Int8Array): Mesh {
  const decoder = new D.Decoder();
  const buffer = new D.DecoderBuffer();
  buffer.Init(bytes, bytes.byteLength);
  const mesh = new D.Mesh();
  const status = decoder.DecodeBufferToMesh(buffer, mesh);
  if (!status.ok()) throw new Error(`draco: ${status.error_msg()}`);
  const faces = new Uint32Array(mesh.num_faces() * 3);
  const ia = new D.DracoInt32Array();
  for (let i = 0; i < mesh.num_faces(); i++) {
    decoder.GetFaceFromMesh(mesh, i, ia);
    for (let k = 0; k < 3; k++) faces[i * 3 + k] = ia.GetValue(k);
  }
  D.destroy(ia);
  const attrs = new Map<string, Float32Array>();
  for (const [name, stride] of Object.entries(ATTRS)) {
    const id = decoder.GetAttributeId(mesh, D[name]);
    if (id < 0) continue;
    const fa = new D.DracoFloat32Array();
    decoder.GetAttributeFloatForAllPoints(mesh, decoder.GetAttribute(mesh, id), fa);
    const values = new Float32Array(mesh.num_points() * stride);
    for (let i = 0; i < values.length; i++) values[i] = fa.GetValue(i);
    D.destroy(fa);
    attrs.set(name, values);
  }
  for (const x of [mesh, buffer, decoder]) D.destroy(x);
  return { faces, attrs };
}

/** Encodes `m` with encoder module `E`; returns the Draco bytes. */
function encode(E: any, m: Mesh, method: string, speed: number, bits: number): Int8Array {
  const encoder = new E.Encoder();
  const builder = new E.MeshBuilder();
  const mesh = new E.Mesh();
  builder.AddFacesToMesh(mesh, m.faces.length / 3, m.faces);
  for (const [name, values] of m.attrs) builder.AddFloatAttributeToMesh(mesh, E[name], values.length / ATTRS[name as keyof typeof ATTRS], ATTRS[name as keyof typeof ATTRS], values);
  encoder.SetSpeedOptions(speed, speed);
  encoder.SetAttributeQuantization(E.POSITION, bits);
  encoder.SetEncodingMethod(E[method]);
  const data = new E.DracoInt8Array();
  const n = encoder.EncodeMeshToDracoBuffer(mesh, data);
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) out[i] = data.GetValue(i);
  for (const x of [data, mesh, builder, encoder]) E.destroy(x);
  return out;
}

async function workload(): Promise<unknown[]> {
  const draco = freshRequire('draco3d');
  const D = await draco.createDecoderModule({});
  const E = await draco.createEncoderModule({});
  const out: unknown[] = [];
  const bunny = decode(D, BUNNY);
  expect(bunny.faces.length).toBeGreaterThan(10_000);
  expect(bunny.attrs.get('POSITION')!.length).toBeGreaterThan(10_000);
  const describe = (m: Mesh) => [m.faces.length, sha(m.faces), ...[...m.attrs].map(([k, v]) => `${k} ${v.length} ${sha(v)}`)];
  out.push(describe(bunny));
  for (const [method, speed, bits] of [['MESH_EDGEBREAKER_ENCODING', 5, 10], ['MESH_EDGEBREAKER_ENCODING', 0, 14], ['MESH_SEQUENTIAL_ENCODING', 10, 8]] as const) {
    const bytes = encode(E, bunny, method, speed, bits);
    out.push(method, speed, bits, bytes.length, sha(bytes), describe(decode(D, bytes)));
  }
  return out;
}

sameAsNative('draco3d', ['auto', 'pair'], WASM, workload, 2);
