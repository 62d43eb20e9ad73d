#!/bin/sh
# Builds libattn, installs it under ./_install and shows what it reads from
# the bundled fixture model folder.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTN_BUILD_TESTS=OFF \
    -DCMAKE_INSTALL_PREFIX="$PWD/_install" > /dev/null
cmake --build build/release
cmake --install build/release > /dev/null
echo "installed to _install/ (lib, include/attn.h, pkg-config, CMake package)"
_install/bin/attn info --model tests/fixtures/models/tiny-marian
