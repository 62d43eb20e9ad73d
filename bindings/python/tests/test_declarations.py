"""Every function of include/attn.h is declared with its C types."""

from __future__ import annotations

import re
from ctypes import (
    POINTER,
    Structure,
    c_char,
    c_char_p,
    c_double,
    c_float,
    c_int32,
    c_int64,
    c_size_t,
    c_uint32,
    c_void_p,
)
from typing import Any

import pytest
from helpers import HEADER

import attn
from attn import _errors, _lib

SCALARS: dict[str, Any] = {
    "uint32_t": c_uint32,
    "int32_t": c_int32,
    "int64_t": c_int64,
    "size_t": c_size_t,
    "float": c_float,
    "double": c_double,
    "attn_status": _lib.attn_status,
    "attn_log_fn": _lib.attn_log_fn,
    "attn_token_fn": _lib.attn_token_fn,
}


@pytest.fixture(scope="module")
def header() -> str:
    if not HEADER.exists():
        pytest.skip(f"{HEADER} is absent")
    return re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)


def ctype(declaration: str) -> Any:
    """The ctypes type of a C type such as "const attn_model *"."""
    result: Any
    words = declaration.replace("*", " * ").split()
    stars = words.count("*")
    base = next(word for word in words if word not in ("const", "*"))
    if base == "void":
        return c_void_p if stars else None
    if base == "char":
        # const char * is a C string; char * a buffer the library fills.
        constant = words.index("const") < words.index("*") if "const" in words else False
        result, stars = (c_char_p if constant else POINTER(c_char)), stars - 1
    elif base in SCALARS:
        result = SCALARS[base]
    else:
        result = getattr(_lib, base)
        assert issubclass(result, Structure), base
    for _ in range(stars):
        result = POINTER(result)
    return result


def parameter_types(parameters: str) -> list[Any]:
    """The ctypes types of a C parameter list, names dropped."""
    if parameters.strip() == "void":
        return []
    return [ctype(re.sub(r"\w+\s*$", "", p.strip())) for p in parameters.split(",")]


def functions(header: str) -> dict[str, tuple[Any, list[Any]]]:
    found = re.findall(r"ATTN_API\s+([^;(]*?)\b(attn_\w+)\s*\(([^)]*)\)\s*;", header)
    return {name: (ctype(result), parameter_types(params)) for result, name, params in found}


def test_every_function_of_the_header_is_declared(header: str) -> None:
    declared = functions(header)
    assert len(declared) == len(re.findall(r"^ATTN_API\b", header, flags=re.M))
    assert sorted(_lib.PROTOTYPES) == sorted(declared)
    for name, (restype, argtypes) in declared.items():
        function = getattr(_lib.lib, name)
        assert (function.restype, function.argtypes) == (restype, argtypes), name
        assert (function.errcheck is not None) == (restype is _lib.attn_status), name


@pytest.mark.parametrize("name", ["attn_log_fn", "attn_token_fn"])
def test_callback_types_match_their_typedefs(header: str, name: str) -> None:
    typedef = re.search(rf"typedef\s+(\w+)\s*\(\s*\*\s*{name}\s*\)\s*\(([^)]*)\)", header)
    assert typedef is not None
    result, parameters = typedef.groups()
    callback = getattr(_lib, name)
    assert callback._restype_ is ctype(result)
    assert list(callback._argtypes_) == parameter_types(parameters)


def defines(header: str, prefix: str) -> dict[str, int]:
    return {name: int(value) for name, value in
            re.findall(rf"#define\s+({prefix}\w+)\s+\(?(-?\d+)\)?", header)}


def test_constants_match_the_header(header: str) -> None:
    statuses = defines(header, "ATTN_E_")
    assert sorted(_errors._BY_STATUS) == sorted(statuses.values())
    assert defines(header, "ATTN_LOG_") == {
        f"ATTN_{name}": getattr(attn, name)
        for name in ("LOG_ERROR", "LOG_WARN", "LOG_INFO", "LOG_DEBUG")}
    assert defines(header, "ATTN_TOKENIZER_") == {
        "ATTN_TOKENIZER_SOURCE": _lib.TOKENIZER_SOURCE,
        "ATTN_TOKENIZER_TARGET": _lib.TOKENIZER_TARGET}
    version = defines(header, "ATTN_VERSION_")
    assert _lib.HEADER_VERSION // 10000 == version["ATTN_VERSION_MAJOR"]
    assert _lib.HEADER_VERSION <= (version["ATTN_VERSION_MAJOR"] * 10000
                                   + version["ATTN_VERSION_MINOR"] * 100
                                   + version["ATTN_VERSION_PATCH"])


def test_status_names_come_from_the_library() -> None:
    for status, cls in _errors._BY_STATUS.items():
        assert cls.status == status
        assert _lib.lib.attn_status_string(status).decode() != "unknown status"
