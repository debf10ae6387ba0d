#!/bin/sh
# Rebuilds main.wasm from main.go and copies Go's wasm_exec.js, unchanged, beside it.
# Needs Debian 12's golang-go (Go 1.19.8): apt-get install -y golang-go.
# The tests (test/glue/go.test.ts) use the checked-in files and need no Go.
set -eu
cd "$(dirname "$0")"
want="go version go1.19.8 linux/amd64"
[ "$(go version)" = "$want" ] || echo "warning: expected \"$want\", got \"$(go version)\": main.wasm will differ" >&2
GOROOT="$(go env GOROOT)"
cp "$GOROOT/misc/wasm/wasm_exec.js" wasm_exec.js
GOOS=js GOARCH=wasm GOWASM= CGO_ENABLED=0 GOFLAGS= GO111MODULE=off \
  go build -trimpath -buildvcs=false -ldflags="-s -w" -o main.wasm main.go
chmod a-x main.wasm
sha256sum main.wasm wasm_exec.js
