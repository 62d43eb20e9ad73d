#!/bin/sh
# Checks that two install prefixes (one from CMake, one from Meson) hold the
# same files, and that a program builds and runs against each through
# pkg-config and through CMake's find_package.
# usage: check-install.sh PREFIX_A PREFIX_B
set -eu
a=$(cd "$1" && pwd)
b=$(cd "$2" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
model="$root/tests/fixtures/models/tiny-marian"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$a" && find . ! -type d | sort) > "$work/a.txt"
(cd "$b" && find . ! -type d | sort) > "$work/b.txt"
if ! diff -u "$work/a.txt" "$work/b.txt"; then
    echo "install layouts differ between $a and $b" >&2
    exit 1
fi
echo "install layouts match: $(wc -l < "$work/a.txt") files"

for prefix in "$a" "$b"; do
    pc="$prefix/lib/pkgconfig"
    cc $(PKG_CONFIG_PATH="$pc" pkg-config --cflags attn) "$root/tests/consumer/main.c" \
        -o "$work/consumer-pc" $(PKG_CONFIG_PATH="$pc" pkg-config --libs attn) \
        -Wl,-rpath,"$prefix/lib"
    [ "$("$work/consumer-pc" "$model")" = marian ]
    cmake -S "$root/tests/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
    cmake --build "$work/build" > /dev/null
    [ "$("$work/build/consumer" "$model")" = marian ]
    rm -rf "$work/build"
    echo "consumer via pkg-config and find_package: ok ($prefix)"
done
