"""Finds and loads libattn and declares every function of attn.h."""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    byref,
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

from ._errors import AttnError, error_for

HEADER_VERSION = 100
"""The attn.h version (ATTN_VERSION_NUMBER) these declarations follow: 0.1.0."""

SONAME = "libattn.so.0"

OK = 0
E_NOT_FOUND = -2
E_BUFFER_TOO_SMALL = -7

TOKENIZER_SOURCE = 0
TOKENIZER_TARGET = 1


class attn_status(c_int32):
    """The int32_t status code a fallible function returns."""


# Opaque handle types, named as in attn.h.
class attn_options(Structure):
    pass


class attn_model(Structure):
    pass


class attn_session(Structure):
    pass


class attn_encoding(Structure):
    pass


class attn_result(Structure):
    pass


class attn_stream(Structure):
    pass


class attn_tokenizer(Structure):
    pass


attn_log_fn = CFUNCTYPE(None, c_void_p, c_int32, c_char_p)
attn_token_fn = CFUNCTYPE(c_int32, c_void_p, c_size_t, c_int32, c_float)

P = POINTER
_OPTIONS = P(attn_options)
_MODEL = P(attn_model)
_SESSION = P(attn_session)
_ENCODING = P(attn_encoding)
_RESULT = P(attn_result)
_STREAM = P(attn_stream)
_TOKENIZER = P(attn_tokenizer)

PROTOTYPES: dict[str, tuple[Any, list[Any]]] = {
    "attn_version": (c_uint32, []),
    "attn_version_string": (c_char_p, []),
    "attn_check_version": (attn_status, [c_uint32]),
    "attn_status_string": (c_char_p, [attn_status]),
    "attn_last_error": (c_char_p, []),
    "attn_set_log_callback": (attn_status, [attn_log_fn, c_void_p, c_int32]),
    "attn_options_create": (attn_status, [P(_OPTIONS)]),
    "attn_options_set_int": (attn_status, [_OPTIONS, c_char_p, c_int64]),
    "attn_options_set_float": (attn_status, [_OPTIONS, c_char_p, c_double]),
    "attn_options_set_str": (attn_status, [_OPTIONS, c_char_p, c_char_p]),
    "attn_options_free": (None, [_OPTIONS]),
    "attn_model_load": (attn_status, [c_char_p, _OPTIONS, P(_MODEL)]),
    "attn_model_free": (None, [_MODEL]),
    "attn_model_retain": (_MODEL, [_MODEL]),
    "attn_model_type": (c_char_p, [_MODEL]),
    "attn_model_get_int": (attn_status, [_MODEL, c_char_p, P(c_int64)]),
    "attn_session_create": (attn_status, [_MODEL, _OPTIONS, P(_SESSION)]),
    "attn_session_free": (None, [_SESSION]),
    "attn_session_model": (_MODEL, [_SESSION]),
    "attn_encode": (attn_status, [_SESSION, P(c_int32), P(c_size_t), c_size_t, P(_ENCODING)]),
    "attn_encoding_free": (None, [_ENCODING]),
    "attn_encoding_output": (
        attn_status,
        [_ENCODING, P(P(c_float)), P(c_size_t), P(c_size_t), P(c_size_t)],
    ),
    "attn_decoder_begin": (
        attn_status,
        [_SESSION, _ENCODING, P(c_size_t), c_size_t, c_size_t],
    ),
    "attn_decoder_step": (attn_status, [_SESSION, P(c_int32), c_size_t, P(P(c_float))]),
    "attn_decoder_forward": (
        attn_status,
        [_SESSION, _ENCODING, P(c_int32), c_size_t, P(P(c_float))],
    ),
    "attn_decoder_cross_attention": (
        attn_status,
        [_SESSION, c_size_t, P(P(c_float)), P(c_size_t)],
    ),
    "attn_generate": (attn_status, [_SESSION, _ENCODING, _OPTIONS, P(_RESULT)]),
    "attn_generate_stream": (
        attn_status,
        [_SESSION, _ENCODING, _OPTIONS, attn_token_fn, c_void_p, P(_RESULT)],
    ),
    "attn_generate_ids": (
        attn_status,
        [_SESSION, P(c_int32), P(c_size_t), c_size_t, _OPTIONS, P(_RESULT)],
    ),
    "attn_stream_open": (attn_status, [_SESSION, _ENCODING, _OPTIONS, P(_STREAM)]),
    "attn_stream_next": (attn_status, [_STREAM, P(c_size_t), P(c_int32), P(c_float)]),
    "attn_stream_free": (None, [_STREAM]),
    "attn_result_count": (c_size_t, [_RESULT]),
    "attn_result_hypotheses": (c_size_t, [_RESULT, c_size_t]),
    "attn_result_hypothesis": (
        attn_status,
        [_RESULT, c_size_t, c_size_t, P(P(c_int32)), P(c_size_t), P(c_float)],
    ),
    "attn_score": (
        attn_status,
        [_SESSION, _ENCODING, P(c_int32), P(c_size_t), _OPTIONS, P(_RESULT)],
    ),
    "attn_result_token_scores": (
        attn_status,
        [_RESULT, c_size_t, c_size_t, P(P(c_float)), P(c_size_t)],
    ),
    "attn_result_alignment": (
        attn_status,
        [_RESULT, c_size_t, c_size_t, P(P(c_float)), P(c_size_t), P(c_size_t)],
    ),
    "attn_result_free": (None, [_RESULT]),
    "attn_tokenizer_load": (attn_status, [c_char_p, _OPTIONS, P(_TOKENIZER)]),
    "attn_model_tokenizer": (attn_status, [_MODEL, c_int32, P(_TOKENIZER)]),
    "attn_tokenizer_free": (None, [_TOKENIZER]),
    "attn_tokenizer_retain": (_TOKENIZER, [_TOKENIZER]),
    "attn_tokenizer_kind": (c_char_p, [_TOKENIZER]),
    "attn_tokenizer_vocab_size": (c_size_t, [_TOKENIZER]),
    "attn_tokenizer_encode": (
        attn_status,
        [_TOKENIZER, c_char_p, c_size_t, _OPTIONS, P(c_int32), c_size_t, P(c_size_t)],
    ),
    "attn_tokenizer_decode": (
        attn_status,
        [_TOKENIZER, P(c_int32), c_size_t, _OPTIONS, P(c_char), c_size_t, P(c_size_t)],
    ),
    "attn_tokenizer_id_to_piece": (
        attn_status,
        [_TOKENIZER, c_int32, P(c_char), c_size_t, P(c_size_t)],
    ),
    "attn_tokenizer_piece_to_id": (attn_status, [_TOKENIZER, c_char_p, c_size_t, P(c_int32)]),
    "attn_translate": (
        attn_status,
        [_SESSION, P(c_char_p), P(c_size_t), c_size_t, _OPTIONS, P(_RESULT)],
    ),
    "attn_score_text": (
        attn_status,
        [_SESSION, P(c_char_p), P(c_size_t), P(c_char_p), P(c_size_t), c_size_t, _OPTIONS,
         P(_RESULT)],
    ),
    "attn_result_text": (attn_status, [_RESULT, c_size_t, c_size_t, P(c_char_p), P(c_size_t)]),
}

# Statuses that are answers rather than failures for these functions: they
# are returned to the caller instead of raised.
_ANSWERS: dict[str, tuple[int, ...]] = {
    "attn_stream_next": (E_NOT_FOUND,),
    "attn_result_text": (E_NOT_FOUND,),
    "attn_result_token_scores": (E_NOT_FOUND,),
    "attn_result_alignment": (E_NOT_FOUND,),
    "attn_tokenizer_encode": (E_BUFFER_TOO_SMALL,),
    "attn_tokenizer_decode": (E_BUFFER_TOO_SMALL,),
    "attn_tokenizer_id_to_piece": (E_BUFFER_TOO_SMALL,),
}


def _candidates() -> list[str]:
    """Where to look for the library, in order."""
    configured = os.environ.get("ATTN_LIBRARY_PATH")
    if configured:
        return [os.path.join(configured, SONAME) if os.path.isdir(configured) else configured]
    here = os.path.dirname(os.path.abspath(__file__))
    beside = sorted(glob.glob(os.path.join(here, "libattn.so*")),
                    key=lambda path: os.path.basename(path) != SONAME)
    system = ctypes.util.find_library("attn")
    return beside + [SONAME] + ([system] if system else [])


def _open() -> tuple[ctypes.CDLL, str]:
    failures = []
    for candidate in _candidates():
        try:
            return ctypes.CDLL(candidate), candidate
        except OSError as err:
            failures.append(str(err))
    hint = ("" if os.environ.get("ATTN_LIBRARY_PATH")
            else "; set ATTN_LIBRARY_PATH to the library file or its directory")
    raise ImportError("cannot load libattn: " + "; ".join(failures) + hint)


def _checker(lib: ctypes.CDLL, answers: tuple[int, ...]) -> Callable[..., int]:
    """An errcheck that raises AttnError for a failure, reading the message
    at once on the calling thread, and returns other statuses as ints."""

    def check(status: attn_status, _function: Any, _args: Any) -> int:
        code = status.value
        if code < OK and code not in answers:
            message = lib.attn_last_error().decode("utf-8", "replace")
            raise error_for(code, message, lib.attn_status_string(code).decode())
        return code

    return check


def _declare(lib: ctypes.CDLL, name: str) -> None:
    function = getattr(lib, name)
    function.restype, function.argtypes = PROTOTYPES[name]
    if function.restype is attn_status:
        function.errcheck = _checker(lib, _ANSWERS.get(name, ()))


def _load() -> tuple[ctypes.CDLL, str]:
    lib, path = _open()
    try:
        for name in ("attn_check_version", "attn_status_string", "attn_last_error"):
            _declare(lib, name)
        lib.attn_check_version(HEADER_VERSION)
    except (AttnError, AttributeError) as err:
        raise ImportError(f"cannot use {path}: {err}") from None
    for name in PROTOTYPES:
        _declare(lib, name)
    return lib, path


lib, library_path = _load()
"""The loaded library, and the path it was loaded from."""

library_version: str = lib.attn_version_string().decode()
"""The loaded library's version, e.g. "0.1.0"."""


def make(free: Any, create: Any, *args: Any) -> Any:
    """Calls create(*args, &out) and returns out, which the caller frees with free()."""
    out = free.argtypes[0]()
    create(*args, byref(out))
    return out


@contextmanager
def created(free: Any, create: Any, *args: Any) -> Iterator[Any]:
    """make() for the duration of a with block."""
    out = make(free, create, *args)
    try:
        yield out
    finally:
        free(out)
