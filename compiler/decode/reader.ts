/**
 * A cursor over a view of the input bytes (spec 5.1-5.2: LEB128 integers,
 * floats, names, vectors). It never copies: `bytes` is the caller's array.
 * Every failure throws `CompileError` carrying the byte offset.
 */
import { CompileError } from '../../runtime/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class Reader {
  /** The whole input; offsets are always relative to its start. */
  readonly bytes: Uint8Array;
  /** Current offset in `bytes`. */
  pos: number;
  /** Offset one past the last readable byte (end of the enclosing section or body). */
  end: number;
  /** Function index added to errors, or undefined outside function bodies. */
  funcIndex: number | undefined = undefined;
  /** Low and high 32 bits (as signed int32) of the last `s64()`. */
  lo = 0;
  hi = 0;

  constructor(bytes: Uint8Array, pos = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = pos;
    this.end = end;
  }

  /** Throws `CompileError(message)` at `at` (default: the current offset). */
  fail(message: string, at: number = this.pos): never {
    throw new CompileError(message, at, this.funcIndex);
  }

  get eof(): boolean {
    return this.pos >= this.end;
  }

  /** Message for running off the end; sections and bodies say more than the whole file does. */
  endMessage(): string {
    return this.end < this.bytes.length ? 'unexpected end of section or function' : 'unexpected end';
  }

  u8(): number {
    if (this.pos >= this.end) this.fail(this.endMessage());
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128, at most 32 bits (spec 5.2.2). */
  u32(): number {
    const b = this.bytes;
    let p = this.pos;
    if (p < this.end) {
      const x = b[p];
      if (x < 0x80) {
        this.pos = p + 1;
        return x;
      }
    }
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (p >= this.end) {
        this.pos = p;
        this.fail(this.endMessage());
      }
      const x = b[p++];
      if (i === 4) {
        if (x & 0x80) this.fail('integer representation too long', p - 1);
        if (x & 0x70) this.fail('integer too large', p - 1);
      }
      result |= (x & 0x7f) << shift;
      shift += 7;
      if ((x & 0x80) === 0) {
        this.pos = p;
        return result >>> 0;
      }
    }
    return 0; // unreachable
  }

  /** Signed LEB128, at most 32 bits. */
  s32(): number {
    const b = this.bytes;
    let p = this.pos;
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (p >= this.end) {
        this.pos = p;
        this.fail(this.endMessage());
      }
      const x = b[p++];
      if (i === 4) {
        if (x & 0x80) this.fail('integer representation too long', p - 1);
        // The unused high bits must all equal the sign bit (bit 3 of the last byte).
        const high = x & 0x78;
        if (high !== 0 && high !== 0x78) this.fail('integer too large', p - 1);
        result |= x << 28;
        this.pos = p;
        return result | 0;
      }
      result |= (x & 0x7f) << shift;
      shift += 7;
      if ((x & 0x80) === 0) {
        this.pos = p;
        return shift < 32 && (x & 0x40) ? result | (-1 << shift) : result;
      }
    }
    return 0; // unreachable
  }

  /**
   * Signed LEB128 of at most 33 bits, used by `blocktype` (spec 5.4.1): returns
   * a non-negative type index, or a negative number for the one-byte forms.
   */
  s33(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      const x = this.u8();
      if (i === 4) {
        if (x & 0x80) this.fail('integer representation too long', this.pos - 1);
        // Bit 32 (0x10) is the sign; bits 33-34 (0x60) must repeat it.
        const sign = x & 0x10;
        if ((x & 0x60) !== (sign ? 0x60 : 0)) this.fail('integer too large', this.pos - 1);
        return result + (x & 0x1f) * mul - (sign ? 2 ** 33 : 0);
      }
      result += (x & 0x7f) * mul;
      mul *= 128;
      if ((x & 0x80) === 0) return x & 0x40 ? result - mul : result;
    }
    return 0; // unreachable
  }

  /** Signed LEB128 of at most 64 bits; the value is left in `lo`/`hi` (int32 halves). */
  s64(): void {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      const x = this.u8();
      if (i === 9) {
        if (x & 0x80) this.fail('integer representation too long', this.pos - 1);
        // Only bit 0 is significant (bit 63); the rest must repeat it.
        if (x !== 0 && x !== 0x7f) this.fail('integer too large', this.pos - 1);
        hi |= x << 31;
        break;
      }
      const v = x & 0x7f;
      if (shift < 28) lo |= v << shift;
      else if (shift === 28) {
        lo |= v << 28;
        hi |= v >>> 4;
      } else hi |= v << (shift - 32);
      shift += 7;
      if ((x & 0x80) === 0) {
        if (x & 0x40) {
          // Sign-extend from `shift` bits.
          if (shift < 32) {
            lo |= -1 << shift;
            hi = -1;
          } else if (shift < 64) hi |= -1 << (shift - 32);
        }
        break;
      }
    }
    this.lo = lo | 0;
    this.hi = hi | 0;
  }

  /** The last `s64()` as a BigInt. */
  s64Big(): bigint {
    this.s64();
    return (BigInt(this.hi) << 32n) | BigInt(this.lo >>> 0);
  }

  /** 4 raw little-endian bytes as uint32 (the bits of an f32). */
  u32le(): number {
    if (this.end - this.pos < 4) this.fail(this.endMessage(), this.end);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  }

  /** Advances `n` bytes, failing if they are not there. */
  skip(n: number): void {
    if (n > this.end - this.pos) this.fail(this.endMessage(), this.end);
    this.pos += n;
  }

  /**
   * A vector length (spec 5.1.3). Fails fast when the count cannot fit in the
   * remaining bytes, given `minBytes` per element, so no untrusted count is
   * ever allocated for.
   */
  vecLen(minBytes = 1): number {
    const n = this.u32();
    if (n * minBytes > this.end - this.pos) this.fail(this.endMessage(), this.end);
    return n;
  }

  /** A `name`: length-prefixed UTF-8 (spec 5.2.4). */
  name(): string {
    const n = this.u32();
    if (n > this.end - this.pos) this.fail(this.endMessage(), this.end);
    const start = this.pos;
    this.pos += n;
    try {
      return utf8.decode(this.bytes.subarray(start, start + n));
    } catch {
      return this.fail('malformed UTF-8 encoding', start);
    }
  }
}
