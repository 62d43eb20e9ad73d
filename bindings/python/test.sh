#!/bin/sh
# Tests the Python binding against the libattn installed under PREFIX
# (PREFIX/lib/libattn.so.0): installs the package and pytest into the
# virtual environment build/python-venv (made on first use) and runs the
# suite on the installed package.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 PREFIX" >&2
    exit 2
fi
prefix=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
venv="$here/../../build/python-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements-test.txt"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$here"
cd "$here"
ATTN_LIBRARY_PATH="$prefix/lib" "$venv/bin/python" -m pytest -p no:cacheprovider tests
