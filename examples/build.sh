#!/usr/bin/env bash
# Rebuilds examples/*/<name>.wasm from examples/*/<name>.c.
#
# You only need this after editing a .c file: the .wasm files are checked in,
# so running the examples needs nothing but Node and Kiln.
#
# Needs clang and wasm-ld with the WebAssembly target, e.g. on Debian 12:
#   apt-get install -y clang-16 lld-16
# Builds are freestanding wasm32 (no libc, no WASI). Override the compiler
# with CC=... (e.g. CC=clang on a system whose default clang is 16 or later).
set -euo pipefail
cd "$(dirname "$0")"
CC="${CC:-clang-16}"
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build.sh: $CC not found; install clang and lld (Debian: apt-get install -y clang-16 lld-16) or set CC=..." >&2
  exit 1
fi
# -nostdlib: no libc or crt1; --no-entry: a library, not a program with main.
# Each program marks its exports with __attribute__((export_name)) and its
# imports with import_module/import_name; --export-memory lets the host read
# and write linear memory. -fno-builtin keeps clang from replacing loops with
# calls to memset/memcpy, which do not exist here.
CFLAGS=(--target=wasm32 -O2 -nostdlib -fno-builtin -Wall -Wextra -Werror)
LDFLAGS=(-Wl,--no-entry -Wl,--export-memory -Wl,-z,stack-size=65536)
for name in mandelbrot sha256 calc plugin; do
  "$CC" "${CFLAGS[@]}" "${LDFLAGS[@]}" -o "$name/$name.wasm" "$name/$name.c"
  chmod 644 "$name/$name.wasm"
  printf '%7d bytes  %s\n' "$(stat -c %s "$name/$name.wasm")" "$name/$name.wasm"
done
