"""Finding the library and refusing an incompatible one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import attn

SRC = Path(attn.__file__).parent


def import_attn(library_path: str | None,
                pythonpath: Path = SRC.parent) -> subprocess.CompletedProcess[str]:
    """Imports attn in a fresh interpreter, printing the library it loaded."""
    env = {key: value for key, value in os.environ.items() if key != "ATTN_LIBRARY_PATH"}
    if library_path is not None:
        env["ATTN_LIBRARY_PATH"] = library_path
    env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([sys.executable, "-c", "import attn; print(attn.library_path)"],
                          env=env, capture_output=True, text=True)


def test_version() -> None:
    assert re.fullmatch(r"0\.\d+\.\d+", attn.library_version)


@pytest.mark.parametrize("form", ["directory", "file"])
def test_library_path_variable(form: str) -> None:
    loaded = Path(attn.library_path)
    given = loaded.parent if form == "directory" else loaded
    run = import_attn(str(given))
    assert run.returncode == 0, run.stderr
    assert Path(run.stdout.strip()).resolve() == loaded.resolve()


def test_missing_library_is_an_import_error(tmp_path: Path) -> None:
    run = import_attn(str(tmp_path / "libattn.so.0"))
    assert run.returncode != 0
    assert "ImportError: cannot load libattn" in run.stderr
    assert str(tmp_path) in run.stderr


def test_library_beside_the_package(tmp_path: Path) -> None:
    copy = shutil.copytree(SRC, tmp_path / "attn", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(attn.library_path, copy / "libattn.so.0")
    run = import_attn(None, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(copy / "libattn.so.0")


def test_other_major_version_is_refused(tmp_path: Path) -> None:
    compiler = shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler to build a libattn 1.0.0 stand-in")
    source = tmp_path / "fake.c"
    source.write_text(
        "#include <stdint.h>\n"
        'const char *attn_last_error(void) { return "the major versions differ"; }\n'
        'const char *attn_status_string(int32_t s) { (void)s; return "unsupported"; }\n'
        "int32_t attn_check_version(uint32_t v) { (void)v; return -4; }\n")
    library = tmp_path / "libattn.so.0"
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    run = import_attn(str(library))
    assert run.returncode != 0
    message = f"ImportError: cannot use {library}: the major versions differ (unsupported)"
    assert message in run.stderr
