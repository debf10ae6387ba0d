/**
 * A small WASI preview1 host for tests (`wasi_snapshot_preview1`, witx
 * snapshot 1). It works with Kiln-compiled modules and with native
 * `WebAssembly.Instance`s alike, so the native engine can serve as an oracle.
 *
 * - stdin is an in-memory byte buffer (reported as a regular file, like a
 *   shell redirection `< file`); stdout and stderr are captured (reported as
 *   stream sockets, like the pipes `node:wasi` sees under `spawnSync`).
 * - Preopened directories map guest names to host directories; files are
 *   read and written with synchronous `node:fs` calls. Paths may not climb
 *   out of their preopen with `..` (symlinks are not checked: test use only).
 * - Memory is read through the current `memory.buffer` on every call, since
 *   the buffer is replaced when memory grows (never cached across calls).
 * - i64 parameters arrive as BigInt (JS API); u64 results are written to
 *   memory little-endian, as the witx ABI says.
 * - `proc_exit` throws a `WasiExit`; `start()` catches it and records the code.
 *
 * Imports the programs in ../shared use but these tests do not exercise
 * (`fd_readdir`, `path_symlink`, `path_readlink`, `path_filestat_set_times`,
 * `poll_oneoff`...) return ENOSYS, as does every other preview1 function.
 */
import * as fs from 'node:fs';
import { resolve, relative, isAbsolute, sep } from 'node:path';
import { randomFillSync } from 'node:crypto';

/** WASI errno values (witx `errno`), the ones this host returns. */
export const ERRNO = {
  SUCCESS: 0, ACCES: 2, AGAIN: 6, BADF: 8, BUSY: 10, EXIST: 20, FBIG: 22, INVAL: 28, IO: 29, ISDIR: 31,
  LOOP: 32, MFILE: 33, NAMETOOLONG: 37, NOENT: 44, NOSPC: 51, NOSYS: 52, NOTDIR: 54, NOTEMPTY: 55,
  NOTSUP: 58, PERM: 63, ROFS: 69, SPIPE: 70, XDEV: 75, NOTCAPABLE: 76,
} as const;

/** WASI `filetype`. */
const FILETYPE = { UNKNOWN: 0, CHARACTER_DEVICE: 2, DIRECTORY: 3, REGULAR_FILE: 4, SOCKET_STREAM: 6, SYMBOLIC_LINK: 7 } as const;

/** WASI `rights` bits used here (witx `rights` flags, bit n = 1 << n). */
const RIGHT_FD_READ = 1n << 1n;
const RIGHT_FD_WRITE = 1n << 6n;
const RIGHTS_ALL = (1n << 29n) - 1n; // every filesystem right (bits 0..28)
/** Rights of a pipe-like stdout/stderr: fd_write, fd_fdstat_set_flags, fd_filestat_get, poll_fd_readwrite. */
const RIGHTS_STREAM = RIGHT_FD_WRITE | (1n << 3n) | (1n << 21n) | (1n << 27n);

/** `oflags` and `fdflags` bits (witx). */
const O_CREAT = 1, O_DIRECTORY = 2, O_EXCL = 4, O_TRUNC = 8;
const FDFLAG_APPEND = 1;
/** `lookupflags.symlink_follow`. */
const LOOKUP_SYMLINK_FOLLOW = 1;

/** Every function of `wasi_snapshot_preview1`; those not implemented return ENOSYS. */
const PREVIEW1_FUNCTIONS = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get',
  'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags',
  'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread',
  'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek',
  'fd_sync', 'fd_tell', 'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times',
  'path_link', 'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get', 'sock_accept',
  'sock_recv', 'sock_send', 'sock_shutdown',
] as const;

/** Thrown by `proc_exit` to unwind out of the guest; `start()` catches it. */
export class WasiExit extends Error {
  constructor(readonly code: number) {
    super(`proc_exit(${code})`);
    this.name = 'WasiExit';
  }
}

/** Options of `createWasi`. */
export interface WasiOptions {
  /** argv, program name first. */
  args?: string[];
  /** Environment variables (none by default). */
  env?: Record<string, string>;
  /** Bytes read from fd 0 (empty by default). */
  stdin?: Uint8Array;
  /** Guest directory name => host directory, preopened as fd 3, 4, ... in order. */
  preopens?: Record<string, string>;
}

/** Anything with a `buffer`: Kiln's runtime `Memory` or a `WebAssembly.Memory`. */
export interface MemoryLike {
  readonly buffer: ArrayBuffer;
}

/** An open descriptor. */
type Entry =
  | { kind: 'stdin'; pos: number }
  | { kind: 'out'; chunks: Uint8Array[] }
  | { kind: 'file'; hostFd: number; path: string; pos: number; append: boolean; root: string }
  | { kind: 'dir'; path: string; root: string; preopen?: string };

/** The host object `createWasi` returns. */
export interface Wasi {
  /** Pass to `instantiate` / `new WebAssembly.Instance`. */
  imports: { wasi_snapshot_preview1: Record<string, (...args: any[]) => number | void> };
  /** Sets the guest memory (the exported `memory`) before calling into the guest. */
  setMemory(memory: MemoryLike): void;
  /** Sets the memory from `exports.memory`, runs `exports._start`, returns the exit code (0 when `_start` returns). */
  start(exports: any): number;
  /** Captured stdout as bytes / as text (latin1 by default, so each byte is one char and comparisons are exact). */
  stdoutBytes(): Uint8Array;
  stdout(encoding?: BufferEncoding): string;
  stderrBytes(): Uint8Array;
  stderr(encoding?: BufferEncoding): string;
  /** The exit code once the program has exited (`proc_exit` or return from `_start`), else null. */
  readonly exitCode: number | null;
}

/** Maps a node:fs error to a WASI errno. */
function errnoOf(e: unknown): number {
  const code = (e as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOENT': return ERRNO.NOENT;
    case 'EEXIST': return ERRNO.EXIST;
    case 'EISDIR': return ERRNO.ISDIR;
    case 'ENOTDIR': return ERRNO.NOTDIR;
    case 'ENOTEMPTY': return ERRNO.NOTEMPTY;
    case 'EACCES': return ERRNO.ACCES;
    case 'EPERM': return ERRNO.PERM;
    case 'EBADF': return ERRNO.BADF;
    case 'EINVAL': return ERRNO.INVAL;
    case 'ELOOP': return ERRNO.LOOP;
    case 'ENAMETOOLONG': return ERRNO.NAMETOOLONG;
    case 'EMFILE': return ERRNO.MFILE;
    case 'ENOSPC': return ERRNO.NOSPC;
    case 'EROFS': return ERRNO.ROFS;
    case 'EXDEV': return ERRNO.XDEV;
    case 'EBUSY': return ERRNO.BUSY;
    case 'EFBIG': return ERRNO.FBIG;
    case 'EAGAIN': return ERRNO.AGAIN;
    case 'ESPIPE': return ERRNO.SPIPE;
  }
  return ERRNO.IO;
}

/** WASI `filetype` of a node `Stats`. */
function filetypeOf(st: fs.Stats | fs.BigIntStats): number {
  if (st.isFile()) return FILETYPE.REGULAR_FILE;
  if (st.isDirectory()) return FILETYPE.DIRECTORY;
  if (st.isSymbolicLink()) return FILETYPE.SYMBOLIC_LINK;
  if (st.isCharacterDevice()) return FILETYPE.CHARACTER_DEVICE;
  return FILETYPE.UNKNOWN;
}

/** Creates a fresh WASI host (one per instance: it owns the descriptor table and the captured output). */
export function createWasi(options: WasiOptions = {}): Wasi {
  const args = options.args ?? [];
  const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const stdin = options.stdin ?? new Uint8Array(0);
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  let memory: MemoryLike | null = null;
  let exitCode: number | null = null;

  const fds = new Map<number, Entry>();
  const stdout: Entry = { kind: 'out', chunks: [] };
  const stderr: Entry = { kind: 'out', chunks: [] };
  fds.set(0, { kind: 'stdin', pos: 0 });
  fds.set(1, stdout);
  fds.set(2, stderr);
  let nextFd = 3;
  for (const [guest, host] of Object.entries(options.preopens ?? {})) {
    const path = resolve(host);
    fds.set(nextFd++, { kind: 'dir', path, root: path, preopen: guest });
  }
  const allocFd = (e: Entry): number => {
    while (fds.has(nextFd)) nextFd++;
    fds.set(nextFd, e);
    return nextFd++;
  };

  // ---- memory access (always through the current buffer) ----
  const mem = (): ArrayBuffer => {
    if (!memory) throw new Error('wasi: setMemory() was not called before the guest used WASI');
    return memory.buffer;
  };
  const dv = (): DataView => new DataView(mem());
  const bytes = (ptr: number, len: number): Uint8Array => new Uint8Array(mem(), ptr >>> 0, len >>> 0);
  const u32 = (ptr: number, v: number): void => dv().setUint32(ptr >>> 0, v >>> 0, true);
  const u64 = (ptr: number, v: bigint): void => dv().setBigUint64(ptr >>> 0, BigInt.asUintN(64, v), true);
  const str = (ptr: number, len: number): string => dec.decode(bytes(ptr, len));
  /** The (buf, len) pairs of an `iovec`/`ciovec` array, as views on memory. */
  const iovecs = (ptr: number, count: number): Uint8Array[] => {
    const d = dv();
    const out: Uint8Array[] = [];
    for (let i = 0; i < count >>> 0; i++) {
      const p = (ptr >>> 0) + 8 * i;
      out.push(new Uint8Array(d.buffer, d.getUint32(p, true), d.getUint32(p + 4, true)));
    }
    return out;
  };

  /** Writes `strings` NUL-terminated into `buf` and their addresses into `ptrs` (args_get / environ_get). */
  const putStrings = (strings: string[], ptrs: number, buf: number): number => {
    let p = buf >>> 0;
    strings.forEach((s, i) => {
      const b = enc.encode(s);
      u32(ptrs + 4 * i, p);
      bytes(p, b.length + 1).set([...b, 0]);
      p += b.length + 1;
    });
    return ERRNO.SUCCESS;
  };
  /** Writes the count and total NUL-terminated byte size of `strings` (args_sizes_get / environ_sizes_get). */
  const putSizes = (strings: string[], countPtr: number, sizePtr: number): number => {
    u32(countPtr, strings.length);
    u32(sizePtr, strings.reduce((n, s) => n + enc.encode(s).length + 1, 0));
    return ERRNO.SUCCESS;
  };

  /** Resolves a guest path relative to directory fd `dirFd`; null when it would leave the preopen. */
  const resolvePath = (dirFd: number, ptr: number, len: number): { dir: Extract<Entry, { kind: 'dir' }>; path: string } | number => {
    const dir = fds.get(dirFd);
    if (!dir) return ERRNO.BADF;
    if (dir.kind !== 'dir') return ERRNO.NOTDIR;
    const guest = str(ptr, len);
    if (isAbsolute(guest)) return ERRNO.NOTCAPABLE;
    const path = resolve(dir.path, guest);
    const rel = relative(dir.root, path);
    if (rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) return ERRNO.NOTCAPABLE;
    return { dir, path };
  };

  /** Writes a `filestat` (64 bytes) for `st` at `ptr`. */
  const putFilestat = (ptr: number, st: fs.BigIntStats | null, filetype: number): void => {
    const d = dv();
    const p = ptr >>> 0;
    for (let i = 0; i < 64; i += 8) d.setBigUint64(p + i, 0n, true);
    d.setUint8(p + 16, filetype);
    if (!st) return;
    d.setBigUint64(p, st.dev, true);
    d.setBigUint64(p + 8, st.ino, true);
    d.setBigUint64(p + 24, st.nlink, true);
    d.setBigUint64(p + 32, st.size, true);
    d.setBigUint64(p + 40, st.atimeNs, true);
    d.setBigUint64(p + 48, st.mtimeNs, true);
    d.setBigUint64(p + 56, st.ctimeNs, true);
  };

  /** Reads from a descriptor into `bufs` starting at `pos` (file position, or stdin offset); returns bytes read. */
  const readInto = (e: Entry, bufs: Uint8Array[], pos: number): number => {
    let total = 0;
    for (const b of bufs) {
      let n: number;
      if (e.kind === 'stdin') {
        n = Math.max(0, Math.min(b.length, stdin.length - pos));
        b.set(stdin.subarray(pos, pos + n));
      } else if (e.kind === 'file') {
        n = fs.readSync(e.hostFd, b, 0, b.length, pos);
      } else throw Object.assign(new Error('not readable'), { code: 'EBADF' });
      total += n;
      pos += n;
      if (n < b.length) break;
    }
    return total;
  };

  /** Writes `bufs` to a descriptor at `pos` (ignored for streams); returns bytes written. */
  const writeFrom = (e: Entry, bufs: Uint8Array[], pos: number): number => {
    let total = 0;
    for (const b of bufs) {
      if (e.kind === 'out') e.chunks.push(b.slice());
      else if (e.kind === 'file') fs.writeSync(e.hostFd, b, 0, b.length, pos + total);
      else throw Object.assign(new Error('not writable'), { code: 'EBADF' });
      total += b.length;
    }
    return total;
  };

  const clockStart = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();

  const impl: Record<string, (...a: any[]) => number | void> = {
    /** args_get(argv: **u8, argv_buf: *u8) -> errno */
    args_get: (argv: number, buf: number) => putStrings(args, argv, buf),
    /** args_sizes_get() -> (argc: size, argv_buf_size: size) */
    args_sizes_get: (countPtr: number, sizePtr: number) => putSizes(args, countPtr, sizePtr),
    /** environ_get(environ: **u8, environ_buf: *u8) -> errno */
    environ_get: (ptrs: number, buf: number) => putStrings(env, ptrs, buf),
    /** environ_sizes_get() -> (count: size, buf_size: size) */
    environ_sizes_get: (countPtr: number, sizePtr: number) => putSizes(env, countPtr, sizePtr),

    /** clock_res_get(id: clockid) -> timestamp */
    clock_res_get: (id: number, resPtr: number) => {
      if (id < 0 || id > 3) return ERRNO.INVAL;
      u64(resPtr, id === 0 ? 1000n : 1n);
      return ERRNO.SUCCESS;
    },
    /** clock_time_get(id: clockid, precision: timestamp (i64, BigInt)) -> timestamp: realtime, monotonic, process/thread CPU time (ns). */
    clock_time_get: (id: number, _precision: bigint, timePtr: number) => {
      let t: bigint;
      if (id === 0) t = BigInt(Date.now()) * 1_000_000n;
      else if (id === 1) t = process.hrtime.bigint() - clockStart;
      else if (id === 2 || id === 3) {
        const u = process.cpuUsage(cpuStart);
        t = BigInt(u.user + u.system) * 1000n;
      } else return ERRNO.INVAL;
      u64(timePtr, t);
      return ERRNO.SUCCESS;
    },

    /** fd_close(fd) -> errno */
    fd_close: (fd: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind === 'file') fs.closeSync(e.hostFd);
      fds.delete(fd);
      return ERRNO.SUCCESS;
    },
    /** fd_fdstat_get(fd) -> fdstat { fs_filetype: u8 @0, fs_flags: u16 @2, fs_rights_base: u64 @8, fs_rights_inheriting: u64 @16 } */
    fd_fdstat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      let type: number, flags = 0, base = RIGHTS_ALL, inheriting = 0n;
      switch (e.kind) {
        case 'stdin': type = FILETYPE.REGULAR_FILE; break;
        case 'out': type = FILETYPE.SOCKET_STREAM; flags = FDFLAG_APPEND; base = RIGHTS_STREAM; break;
        case 'file': type = FILETYPE.REGULAR_FILE; flags = e.append ? FDFLAG_APPEND : 0; break;
        case 'dir': type = FILETYPE.DIRECTORY; inheriting = RIGHTS_ALL; break;
      }
      const d = dv();
      const p = ptr >>> 0;
      d.setUint8(p, type);
      d.setUint8(p + 1, 0);
      d.setUint16(p + 2, flags, true);
      d.setUint32(p + 4, 0, true);
      d.setBigUint64(p + 8, base, true);
      d.setBigUint64(p + 16, inheriting, true);
      return ERRNO.SUCCESS;
    },
    /** fd_fdstat_set_flags(fd, flags: fdflags) -> errno; only `append` is honoured (files). */
    fd_fdstat_set_flags: (fd: number, flags: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind === 'file') e.append = (flags & FDFLAG_APPEND) !== 0;
      return ERRNO.SUCCESS;
    },
    /** fd_filestat_get(fd) -> filestat */
    fd_filestat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      try {
        if (e.kind === 'file') { const st = fs.fstatSync(e.hostFd, { bigint: true }); putFilestat(ptr, st, filetypeOf(st)); }
        else if (e.kind === 'dir') putFilestat(ptr, fs.statSync(e.path, { bigint: true }), FILETYPE.DIRECTORY);
        else if (e.kind === 'stdin') { putFilestat(ptr, null, FILETYPE.REGULAR_FILE); dv().setBigUint64((ptr >>> 0) + 32, BigInt(stdin.length), true); }
        else putFilestat(ptr, null, FILETYPE.SOCKET_STREAM);
        return ERRNO.SUCCESS;
      } catch (err) { return errnoOf(err); }
    },
    /** fd_filestat_set_size(fd, size: filesize (BigInt)) -> errno */
    fd_filestat_set_size: (fd: number, size: bigint) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind !== 'file') return ERRNO.INVAL;
      try { fs.ftruncateSync(e.hostFd, Number(size)); return ERRNO.SUCCESS; } catch (err) { return errnoOf(err); }
    },
    /** fd_prestat_get(fd) -> prestat { tag: u8 @0 (0 = dir), pr_name_len: u32 @4 }; BADF ends the guest's preopen scan. */
    fd_prestat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      if (!e || e.kind !== 'dir' || e.preopen === undefined) return ERRNO.BADF;
      const d = dv();
      d.setUint32(ptr >>> 0, 0, true);
      d.setUint32((ptr >>> 0) + 4, enc.encode(e.preopen).length, true);
      return ERRNO.SUCCESS;
    },
    /** fd_prestat_dir_name(fd, path: *u8, path_len: size) -> errno */
    fd_prestat_dir_name: (fd: number, ptr: number, len: number) => {
      const e = fds.get(fd);
      if (!e || e.kind !== 'dir' || e.preopen === undefined) return ERRNO.BADF;
      const b = enc.encode(e.preopen);
      if (len >>> 0 < b.length) return ERRNO.NAMETOOLONG;
      bytes(ptr, b.length).set(b);
      return ERRNO.SUCCESS;
    },
    /** fd_read(fd, iovs: *iovec, iovs_len) -> (nread: size) */
    fd_read: (fd: number, iovs: number, iovsLen: number, nreadPtr: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind !== 'stdin' && e.kind !== 'file') return e.kind === 'dir' ? ERRNO.ISDIR : ERRNO.BADF;
      try {
        const n = readInto(e, iovecs(iovs, iovsLen), e.pos);
        e.pos += n;
        u32(nreadPtr, n);
        return ERRNO.SUCCESS;
      } catch (err) { return errnoOf(err); }
    },
    /** fd_pread(fd, iovs, iovs_len, offset: filesize (BigInt)) -> (nread: size) */
    fd_pread: (fd: number, iovs: number, iovsLen: number, offset: bigint, nreadPtr: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind !== 'stdin' && e.kind !== 'file') return ERRNO.SPIPE;
      try { u32(nreadPtr, readInto(e, iovecs(iovs, iovsLen), Number(offset))); return ERRNO.SUCCESS; } catch (err) { return errnoOf(err); }
    },
    /** fd_write(fd, iovs: *ciovec, iovs_len) -> (nwritten: size) */
    fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind !== 'out' && e.kind !== 'file') return ERRNO.BADF;
      try {
        if (e.kind === 'file' && e.append) e.pos = fs.fstatSync(e.hostFd).size;
        const n = writeFrom(e, iovecs(iovs, iovsLen), e.kind === 'file' ? e.pos : 0);
        if (e.kind === 'file') e.pos += n;
        u32(nwrittenPtr, n);
        return ERRNO.SUCCESS;
      } catch (err) { return errnoOf(err); }
    },
    /** fd_pwrite(fd, iovs, iovs_len, offset: filesize (BigInt)) -> (nwritten: size) */
    fd_pwrite: (fd: number, iovs: number, iovsLen: number, offset: bigint, nwrittenPtr: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind !== 'file') return ERRNO.SPIPE;
      try { u32(nwrittenPtr, writeFrom(e, iovecs(iovs, iovsLen), Number(offset))); return ERRNO.SUCCESS; } catch (err) { return errnoOf(err); }
    },
    /** fd_seek(fd, offset: filedelta (BigInt), whence: u8 set=0 cur=1 end=2) -> (newoffset: filesize) */
    fd_seek: (fd: number, offset: bigint, whence: number, newPtr: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind !== 'stdin' && e.kind !== 'file') return e.kind === 'dir' ? ERRNO.BADF : ERRNO.SPIPE;
      let base: number;
      try {
        if (whence === 0) base = 0;
        else if (whence === 1) base = e.pos;
        else if (whence === 2) base = e.kind === 'stdin' ? stdin.length : fs.fstatSync(e.hostFd).size;
        else return ERRNO.INVAL;
      } catch (err) { return errnoOf(err); }
      const pos = base + Number(offset);
      if (pos < 0) return ERRNO.INVAL;
      e.pos = pos;
      u64(newPtr, BigInt(pos));
      return ERRNO.SUCCESS;
    },
    /** fd_tell(fd) -> (offset: filesize) */
    fd_tell: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      if (e.kind !== 'stdin' && e.kind !== 'file') return ERRNO.SPIPE;
      u64(ptr, BigInt(e.pos));
      return ERRNO.SUCCESS;
    },
    /** fd_sync(fd) -> errno */
    fd_sync: (fd: number) => {
      const e = fds.get(fd);
      if (!e) return ERRNO.BADF;
      try { if (e.kind === 'file') fs.fsyncSync(e.hostFd); return ERRNO.SUCCESS; } catch (err) { return errnoOf(err); }
    },
    /** fd_datasync(fd) -> errno */
    fd_datasync: (fd: number) => impl.fd_sync(fd) as number,
    /** fd_renumber(fd, to) -> errno: closes `to`, moves `fd` there. */
    fd_renumber: (from: number, to: number) => {
      const e = fds.get(from);
      if (!e || !fds.has(to)) return ERRNO.BADF;
      if (from === to) return ERRNO.SUCCESS;
      impl.fd_close(to);
      fds.set(to, e);
      fds.delete(from);
      return ERRNO.SUCCESS;
    },

    /**
     * path_open(fd, dirflags: lookupflags, path, path_len, oflags, fs_rights_base (BigInt),
     * fs_rights_inheriting (BigInt), fdflags) -> (fd). Access mode comes from the fd_read / fd_write rights.
     */
    path_open: (dirFd: number, _dirflags: number, pathPtr: number, pathLen: number, oflags: number,
      rightsBase: bigint, _rightsInheriting: bigint, fdflags: number, fdPtr: number) => {
      const r = resolvePath(dirFd, pathPtr, pathLen);
      if (typeof r === 'number') return r;
      try {
        const c = fs.constants;
        if (oflags & O_DIRECTORY) {
          if (!fs.statSync(r.path).isDirectory()) return ERRNO.NOTDIR;
          u32(fdPtr, allocFd({ kind: 'dir', path: r.path, root: r.dir.root }));
          return ERRNO.SUCCESS;
        }
        const read = (rightsBase & RIGHT_FD_READ) !== 0n;
        const write = (rightsBase & RIGHT_FD_WRITE) !== 0n || (oflags & O_TRUNC) !== 0;
        let flags = write ? (read ? c.O_RDWR : c.O_WRONLY) : c.O_RDONLY;
        if (oflags & O_CREAT) flags |= c.O_CREAT;
        if (oflags & O_EXCL) flags |= c.O_EXCL;
        if (oflags & O_TRUNC) flags |= c.O_TRUNC;
        if (fs.existsSync(r.path) && fs.statSync(r.path).isDirectory()) {
          if (write) return ERRNO.ISDIR;
          u32(fdPtr, allocFd({ kind: 'dir', path: r.path, root: r.dir.root }));
          return ERRNO.SUCCESS;
        }
        const hostFd = fs.openSync(r.path, flags, 0o644);
        u32(fdPtr, allocFd({ kind: 'file', hostFd, path: r.path, pos: 0, append: (fdflags & FDFLAG_APPEND) !== 0, root: r.dir.root }));
        return ERRNO.SUCCESS;
      } catch (err) { return errnoOf(err); }
    },
    /** path_filestat_get(fd, flags: lookupflags, path, path_len) -> filestat */
    path_filestat_get: (dirFd: number, flags: number, pathPtr: number, pathLen: number, ptr: number) => {
      const r = resolvePath(dirFd, pathPtr, pathLen);
      if (typeof r === 'number') return r;
      try {
        const st = flags & LOOKUP_SYMLINK_FOLLOW ? fs.statSync(r.path, { bigint: true }) : fs.lstatSync(r.path, { bigint: true });
        putFilestat(ptr, st, filetypeOf(st));
        return ERRNO.SUCCESS;
      } catch (err) { return errnoOf(err); }
    },
    /** path_create_directory(fd, path, path_len) -> errno */
    path_create_directory: (dirFd: number, pathPtr: number, pathLen: number) => {
      const r = resolvePath(dirFd, pathPtr, pathLen);
      if (typeof r === 'number') return r;
      try { fs.mkdirSync(r.path); return ERRNO.SUCCESS; } catch (err) { return errnoOf(err); }
    },
    /** path_remove_directory(fd, path, path_len) -> errno */
    path_remove_directory: (dirFd: number, pathPtr: number, pathLen: number) => {
      const r = resolvePath(dirFd, pathPtr, pathLen);
      if (typeof r === 'number') return r;
      try { fs.rmdirSync(r.path); return ERRNO.SUCCESS; } catch (err) { return errnoOf(err); }
    },
    /** path_unlink_file(fd, path, path_len) -> errno */
    path_unlink_file: (dirFd: number, pathPtr: number, pathLen: number) => {
      const r = resolvePath(dirFd, pathPtr, pathLen);
      if (typeof r === 'number') return r;
      try {
        if (fs.lstatSync(r.path).isDirectory()) return ERRNO.ISDIR;
        fs.unlinkSync(r.path);
        return ERRNO.SUCCESS;
      } catch (err) { return errnoOf(err); }
    },
    /** path_rename(fd, old_path, old_path_len, new_fd, new_path, new_path_len) -> errno */
    path_rename: (oldFd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number) => {
      const a = resolvePath(oldFd, oldPtr, oldLen);
      if (typeof a === 'number') return a;
      const b = resolvePath(newFd, newPtr, newLen);
      if (typeof b === 'number') return b;
      try { fs.renameSync(a.path, b.path); return ERRNO.SUCCESS; } catch (err) { return errnoOf(err); }
    },

    /** random_get(buf, buf_len) -> errno */
    random_get: (ptr: number, len: number) => {
      randomFillSync(bytes(ptr, len));
      return ERRNO.SUCCESS;
    },
    /** sched_yield() -> errno */
    sched_yield: () => ERRNO.SUCCESS,
    /** proc_exit(rval: exitcode): does not return; throws WasiExit. */
    proc_exit: (code: number) => {
      exitCode = code >>> 0;
      throw new WasiExit(exitCode);
    },
  };

  const imports: Record<string, (...a: any[]) => number | void> = {};
  for (const name of PREVIEW1_FUNCTIONS) imports[name] = impl[name] ?? (() => ERRNO.NOSYS);

  const concat = (e: Entry): Uint8Array => Buffer.concat((e as { chunks: Uint8Array[] }).chunks);
  return {
    imports: { wasi_snapshot_preview1: imports },
    setMemory(m: MemoryLike) { memory = m; },
    start(exports: any): number {
      memory = exports.memory;
      try {
        exports._start();
        exitCode = 0;
      } catch (e) {
        if (!(e instanceof WasiExit)) throw e;
        exitCode = e.code;
      } finally {
        for (const [fd, e] of fds) if (e.kind === 'file') { fs.closeSync(e.hostFd); fds.delete(fd); }
      }
      return exitCode;
    },
    stdoutBytes: () => concat(stdout),
    stdout: (encoding: BufferEncoding = 'latin1') => Buffer.from(concat(stdout)).toString(encoding),
    stderrBytes: () => concat(stderr),
    stderr: (encoding: BufferEncoding = 'latin1') => Buffer.from(concat(stderr)).toString(encoding),
    get exitCode() { return exitCode; },
  };
}
