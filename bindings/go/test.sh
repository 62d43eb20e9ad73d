#!/bin/sh
# Runs go vet and the race-enabled tests of the Go binding against the
# libattn installed at PREFIX (found through its attn.pc). Offline: the
# package uses the standard library only.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
prefix=$(cd "$1" && pwd)
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)

pc=$(find "$prefix" -name attn.pc | head -n 1)
if [ -z "$pc" ]; then
    echo "$0: no attn.pc under $prefix" >&2
    exit 1
fi
export PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
libdir=$(pkg-config --variable=libdir attn)
export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

export CGO_ENABLED=1 GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
export GOCACHE="${GOCACHE:-$root/build/go-cache}" GOPATH="${GOPATH:-$root/build/go-path}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

go vet ./...
# -count=1: the tests read the library and models, which go test's cache
# does not track.
go test -race -count=1 ./...
