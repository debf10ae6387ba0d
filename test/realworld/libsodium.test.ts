/**
 * libsodium-wrappers-sumo (libsodium in C, Emscripten, module inlined as
 * base64 in the separate libsodium-sumo package; 64-bit field arithmetic of
 * Curve25519 and Poly1305, Argon2, BLAKE2b, SHA-2): keys derived from fixed
 * seeds (nothing random, so native and Kiln see the same bytes), signatures,
 * authenticated encryption in every construction, key exchange, hashing,
 * MACs, password hashing, stream ciphers and Ristretto255 group operations;
 * every output byte, and the errors forged inputs raise.
 */
import { freshRequire } from './glue.js';
import { sameAsNative } from './same.js';
import { packageWasm } from './shim.js';
import { SIZES, randomBytes } from './inputs.js';

// The CommonJS glue of libsodium-sumo embeds its module as a base64 string (`AGFzbQ…`).
const WASM = packageWasm('libsodium-sumo', ['dist/modules-sumo/libsodium-sumo.js']);
const MESSAGES = SIZES.map((n, i) => randomBytes(Math.min(n, 100_000), i + 71));

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + seed * 101) & 255);

async function workload(): Promise<unknown[]> {
  const s = freshRequire<any>('libsodium-wrappers-sumo', 'libsodium-wrappers-sumo', ['libsodium-sumo']);
  await s.ready;
  const hex = (b: Uint8Array) => s.to_hex(b);
  const out: unknown[] = [s.sodium_version_string()];
  const attempt = (f: () => unknown) => {
    try {
      const r = f();
      return r instanceof Uint8Array ? hex(r) : r;
    } catch (e) {
      return `error: ${(e as Error).message}`;
    }
  };
  const sign = s.crypto_sign_seed_keypair(bytes(32, 1));
  const box = s.crypto_box_seed_keypair(bytes(32, 2));
  const box2 = s.crypto_box_seed_keypair(bytes(32, 3));
  const kxc = s.crypto_kx_seed_keypair(bytes(32, 4));
  const kxs = s.crypto_kx_seed_keypair(bytes(32, 5));
  out.push(hex(sign.publicKey), hex(sign.privateKey), hex(box.publicKey), hex(kxc.publicKey));
  const key = bytes(32, 6);
  for (const m of MESSAGES) {
    out.push(
      hex(s.crypto_generichash(64, m, key)),
      hex(s.crypto_hash_sha256(m)),
      hex(s.crypto_hash_sha512(m)),
      hex(s.crypto_auth_hmacsha512(m, key)),
      hex(s.crypto_onetimeauth(m, key)),
      hex(s.crypto_shorthash(m, bytes(16, 7))),
      hex(s.crypto_sign_detached(m, sign.privateKey)),
      s.crypto_sign_verify_detached(s.crypto_sign_detached(m, sign.privateKey), m, sign.publicKey),
      hex(s.crypto_secretbox_easy(m, bytes(24, 8), key)),
      hex(s.crypto_box_easy(m, bytes(24, 9), box2.publicKey, box.privateKey)),
      hex(s.crypto_aead_xchacha20poly1305_ietf_encrypt(m, bytes(13, 10), null, bytes(24, 11), key)),
      hex(s.crypto_aead_chacha20poly1305_ietf_encrypt(m, null, null, bytes(12, 12), key)),
      hex(s.crypto_stream_xchacha20_xor(m, bytes(24, 13), key)),
    );
    const sealed = s.crypto_secretbox_easy(m, bytes(24, 8), key);
    out.push(hex(s.crypto_secretbox_open_easy(sealed, bytes(24, 8), key)).length);
    if (sealed.length > 0) {
      sealed[0] ^= 1;
      out.push(attempt(() => s.crypto_secretbox_open_easy(sealed, bytes(24, 8), key)));
    }
  }
  const rx = s.crypto_kx_client_session_keys(kxc.publicKey, kxc.privateKey, kxs.publicKey);
  const tx = s.crypto_kx_server_session_keys(kxs.publicKey, kxs.privateKey, kxc.publicKey);
  out.push(hex(rx.sharedRx), hex(rx.sharedTx), hex(tx.sharedRx), hex(tx.sharedTx));
  out.push(hex(s.crypto_scalarmult(box.privateKey, box2.publicKey)), hex(s.crypto_scalarmult_base(bytes(32, 14))));
  out.push(hex(s.crypto_pwhash(32, 'correct horse', bytes(16, 15), 2, 1 << 16, s.crypto_pwhash_ALG_ARGON2ID13)));
  out.push(hex(s.crypto_pwhash(32, 'battery staple', bytes(16, 16), 3, 1 << 15, s.crypto_pwhash_ALG_ARGON2I13)));
  out.push(hex(s.crypto_pwhash_scryptsalsa208sha256(32, 'staple', bytes(32, 17), 1 << 10, 1 << 20)));
  // Ristretto255 (sumo): hash to the group, add, scalar multiplication, inversion.
  const p = s.crypto_core_ristretto255_from_hash(bytes(64, 18));
  const q = s.crypto_core_ristretto255_from_hash(bytes(64, 19));
  const k = s.crypto_core_ristretto255_scalar_reduce(bytes(64, 20));
  out.push(hex(s.crypto_core_ristretto255_add(p, q)), hex(s.crypto_scalarmult_ristretto255(k, p)),
    hex(s.crypto_core_ristretto255_scalar_invert(k)), s.crypto_core_ristretto255_is_valid_point(p));
  out.push(hex(s.crypto_scalarmult_ed25519_noclamp(s.crypto_core_ed25519_scalar_reduce(bytes(64, 21)), sign.publicKey)));
  out.push(hex(s.crypto_sign_ed25519_pk_to_curve25519(sign.publicKey)));
  out.push(attempt(() => s.crypto_box_open_easy(new Uint8Array(40), bytes(24, 9), box.publicKey, box2.privateKey)));
  return out;
}

sameAsNative('libsodium-wrappers-sumo', ['auto', 'bigint'], WASM, workload);
