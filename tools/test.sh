#!/bin/sh
# Runs every test: the CMake build with ctest, the Meson build with meson
# test, the AddressSanitizer + UndefinedBehaviorSanitizer build, checks
# that both build systems install the same files, which a consumer can use
# through pkg-config and find_package, and runs the Python, Rust and Go
# bindings' suites against that install.
set -eu
cd "$(dirname "$0")/.."
sh tools/setup-deps.sh
jobs=$(nproc)
# Tests run side by side, one per core: OpenMP threads of their own would
# only contend (and spin) for the same cores.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"

echo "== CMake build + ctest"
cmake -S . -B build/cmake -G Ninja -DCMAKE_INSTALL_PREFIX="$PWD/_install/cmake" \
    -DCMAKE_INSTALL_LIBDIR=lib > /dev/null
cmake --build build/cmake -j "$jobs"
ctest --test-dir build/cmake --output-on-failure -j "$jobs"

echo "== Meson build + meson test"
if [ -d build/meson ]; then
    meson setup --reconfigure build/meson --prefix "$PWD/_install/meson" --libdir lib > /dev/null
else
    meson setup build/meson --prefix "$PWD/_install/meson" --libdir lib > /dev/null
fi
meson compile -C build/meson -j "$jobs"
meson test -C build/meson --print-errorlogs --num-processes "$jobs"

echo "== install layout and consumers"
rm -rf _install/cmake _install/meson
cmake --install build/cmake > /dev/null
meson install -C build/meson --quiet
sh tools/check-install.sh _install/cmake _install/meson

echo "== bindings against the installed library: Python, Rust, Go"
for lang in python rust go; do
    echo "-- $lang"
    sh "bindings/$lang/test.sh" _install/cmake
done

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build + ctest"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DATTN_SANITIZE=ON > /dev/null
cmake --build build/asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/asan --output-on-failure -j "$jobs"
