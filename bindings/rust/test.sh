#!/bin/sh
# Runs the Rust bindings' tests against the libattn installed at PREFIX:
#     sh bindings/rust/test.sh _install/cmake
# crates.io is needed only until the pinned dependencies are cached.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
prefix=$(cd "$1" && pwd)
pc=$(find "$prefix" -path '*/pkgconfig/attn.pc' | head -n 1)
if [ -z "$pc" ]; then
    echo "$0: no pkgconfig/attn.pc under $prefix" >&2
    exit 1
fi
PKG_CONFIG_PATH="$(dirname "$pc")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
LD_LIBRARY_PATH="$(pkg-config --variable=libdir attn)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH

cd "$(dirname "$0")"
# Outputs go to build/rust-target (.cargo/config.toml) unless CARGO_TARGET_DIR says otherwise.
cargo fetch --locked
cargo test --workspace --locked --offline --no-fail-fast
