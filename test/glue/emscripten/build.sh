#!/bin/sh
# Rebuilds main.js/main.wasm, addfunction.js/addfunction.wasm and
# exceptions.js/exceptions.wasm (Emscripten's default glue and its wasm) from
# main.c, addfunction.c and exceptions.cpp.
# Needs Debian 12's emscripten (3.1.6): apt-get install -y emscripten, and the
# project's node_modules (for acorn, which Debian's emscripten loads from NODE_PATH).
# The tests (test/glue/emscripten.test.ts) use the checked-in files and need no Emscripten.
#
# -sWASM_ASYNC_COMPILATION=0: Emscripten 3.1.6's glue takes Node >= 18's fetch
# for a browser's and fails to fetch the file; synchronous compilation reads it with fs.
set -eu
cd "$(dirname "$0")"
want="3.1.6"
got="$(emcc --version | sed -n '1s/.* \([0-9][0-9.]*\) .*/\1/p')"
[ "$got" = "$want" ] || echo "warning: expected emcc $want, got $got: the output will differ" >&2
export NODE_PATH="$(cd ../../.. && pwd)/node_modules"
emcc -O2 main.c -o main.js \
  -sWASM_ASYNC_COMPILATION=0 -sALLOW_MEMORY_GROWTH=1
emcc -O2 addfunction.c -o addfunction.js \
  -sWASM_ASYNC_COMPILATION=0 -sALLOW_TABLE_GROWTH=1 \
  -sEXPORTED_FUNCTIONS=_main,_malloc,_free \
  -sEXPORTED_RUNTIME_METHODS=addFunction,removeFunction,UTF8ToString,stringToUTF8
# C++ exceptions as the legacy exception-handling proposal (try/catch/rethrow/delegate, a tag).
em++ -O2 -fwasm-exceptions exceptions.cpp -o exceptions.js -sWASM_ASYNC_COMPILATION=0
chmod a-x main.wasm addfunction.wasm exceptions.wasm
sha256sum main.js main.wasm addfunction.js addfunction.wasm exceptions.js exceptions.wasm
