#!/bin/sh
# The translate benchmark: libattn against CTranslate2 and transformers on
# Marian models (tools/bench/translate.py; docs/performance.md,
# "Translation"). Usually run as `sh tools/bench/bench.sh translate`.
#
#   sh tools/bench/translate.sh [translate.py options: --quick, --rounds N,
#                                --threads 1,2, --models, --update-docs, ...]
#
# 1. build/bench-translate/venv with tools/bench/requirements-translate.txt
#    (torch's CPU wheel when download.pytorch.org answers, else PyPI's);
# 2. a Release libattn: $ATTN_LIB_DIR when set (bench.sh passes build/bench),
#    else built here into build/bench-translate/lib;
# 3. translate_run (the libattn runner) and translate_gemm (the GEMM
#    roofline: dnnl_sgemm and libattn's packed product, built from lib/ops)
#    into build/bench-translate/bin;
# 4. translate.py, which makes and converts the models and runs the rounds.
set -eu
cd "$(dirname "$0")/../.."
work=build/bench-translate
req=tools/bench/requirements-translate.txt
mkdir -p $work/bin

# 1. Python. The stamp skips pip when the requirements have not changed.
venv=$work/venv
[ -x $venv/bin/python ] || python3 -m venv $venv
stamp=$venv/.requirements-translate
if ! cmp -s $req $stamp 2>/dev/null; then
    index=""
    if python3 -c "import urllib.request as u; u.urlopen('https://download.pytorch.org/whl/cpu/torch/', timeout=10)" \
        > /dev/null 2>&1; then
        index="--extra-index-url https://download.pytorch.org/whl/cpu"
    fi
    $venv/bin/pip install -q $index -r $req
    cp $req $stamp
fi

# 2. libattn. Release is -O3, where GCC 12 reports maybe-uninitialized and
# format-truncation warnings in lib/ that -Werror turns into errors; they
# are kept as warnings here.
if [ -n "${ATTN_LIB_DIR:-}" ]; then
    libdir=$ATTN_LIB_DIR
else
    libdir=$work/lib
    cmake -S . -B $libdir -G Ninja -DCMAKE_BUILD_TYPE=Release -DATTN_BUILD_TESTS=OFF \
        -DATTN_BUILD_TOOLS=OFF \
        -DCMAKE_C_FLAGS="-Wno-error=maybe-uninitialized -Wno-error=format-truncation" > /dev/null
    cmake --build $libdir > /dev/null
fi

# 3. The C programs (built aside and renamed, so that a run in progress
# keeps its executable).
cc -O2 -std=c11 -Wall -Wextra -Wpedantic -Werror -Iinclude tools/bench/translate_run.c \
    -L"$libdir" -lattn -Wl,-rpath,"$PWD/$libdir" -o $work/bin/translate_run.$$
mv -f $work/bin/translate_run.$$ $work/bin/translate_run
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -D_ISOC11_SOURCE -Wall -Wextra -Wpedantic -Werror \
    -fopenmp -Iinclude -Ilib tools/bench/translate_gemm.c lib/ops/ops.c lib/ops/dnnl_compat.c \
    lib/base/error.c -ldnnl -o $work/bin/translate_gemm.$$
mv -f $work/bin/translate_gemm.$$ $work/bin/translate_gemm

# 4. The benchmark.
exec $venv/bin/python tools/bench/translate.py "$@"
