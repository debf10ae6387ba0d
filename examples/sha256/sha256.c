/*
 * sha256.c: SHA-256 (FIPS 180-4) of bytes the host places in linear memory.
 *
 * The host copies its message into the buffer at input_buffer() (at most
 * input_capacity() bytes) and calls sha256(ptr, len). The module hashes
 * memory[ptr .. ptr+len), formats the digest as 64 hex digits and hands them
 * to the host through the import env.write(ptr, len). It returns the address
 * of the 32-byte binary digest.
 *
 * Shows: strings passed both ways through memory, a host import, u32
 * arithmetic, and a trap: sha256 reads whatever range it is given, so a bad
 * length makes it load past the end of memory, which traps (a RuntimeError
 * with code "out-of-bounds-memory" on the host side).
 *
 * Freestanding wasm32, no libc: see ../build.sh.
 */

typedef unsigned char u8;
typedef unsigned int u32;

#define EXPORT(name) __attribute__((export_name(name)))
#define IMPORT(name) __attribute__((import_module("env"), import_name(name)))

/* Host function: receives `len` bytes of text at `ptr`. */
IMPORT("write") void host_write(const char *ptr, u32 len);

#define INPUT_CAPACITY (64 * 1024)
static u8 input[INPUT_CAPACITY];
static u8 digest[32];
static char hex[64];

EXPORT("input_buffer") u8 *input_buffer(void) { return input; }
EXPORT("input_capacity") u32 input_capacity(void) { return INPUT_CAPACITY; }

/* Round constants: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const u32 K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static u32 rotr(u32 x, int n) { return (x >> n) | (x << (32 - n)); }

/* Processes one 64-byte block, updating the hash state h[0..7]. */
static void compress(u32 h[8], const u8 *block) {
  u32 w[64];
  for (int i = 0; i < 16; i++)
    w[i] = (u32)block[4 * i] << 24 | (u32)block[4 * i + 1] << 16 | (u32)block[4 * i + 2] << 8 | block[4 * i + 3];
  for (int i = 16; i < 64; i++) {
    u32 s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    u32 s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  u32 a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
  for (int i = 0; i < 64; i++) {
    u32 t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
    u32 t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g; g = f; f = e; e = d + t1;
    d = c; c = b; b = a; a = t1 + t2;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
}

/* Hashes memory[data .. data+len), reports the hex digest through
 * env.write and returns the address of the binary digest. */
EXPORT("sha256")
u8 *sha256(const u8 *data, u32 len) {
  u32 h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
  u32 done = 0;
  for (; len - done >= 64; done += 64) compress(h, data + done);

  /* Padding: the remaining bytes, 0x80, zeros, then the length in bits as a
   * 64-bit big-endian number; one or two final blocks. */
  u8 tail[128];
  u32 rest = len - done, n = rest < 56 ? 64 : 128;
  for (u32 i = 0; i < n; i++) tail[i] = i < rest ? data[done + i] : 0;
  tail[rest] = 0x80;
  u32 hi_bits = len >> 29, lo_bits = len << 3;
  for (int i = 0; i < 4; i++) {
    tail[n - 8 + i] = (u8)(hi_bits >> (24 - 8 * i));
    tail[n - 4 + i] = (u8)(lo_bits >> (24 - 8 * i));
  }
  compress(h, tail);
  if (n == 128) compress(h, tail + 64);

  static const char digits[] = "0123456789abcdef";
  for (int i = 0; i < 32; i++) {
    digest[i] = (u8)(h[i / 4] >> (24 - 8 * (i % 4)));
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 15];
  }
  host_write(hex, sizeof hex);
  return digest;
}
