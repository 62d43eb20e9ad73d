"""Keyword arguments to an attn_options bag."""

from __future__ import annotations

import json
import numbers
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Union

from ._lib import created, lib

Option = Union[bool, int, float, str, Sequence[int], Sequence[Sequence[int]], None]
"""An option value: bool and int set an integer, float a number, str a
string, a list or tuple of ints (or of lists of ints) its JSON text; None
leaves the option unset."""


def _set(bag: object, name: str, value: Option) -> None:
    key = name.encode()
    if isinstance(value, numbers.Integral):
        lib.attn_options_set_int(bag, key, int(value))
    elif isinstance(value, numbers.Real):
        lib.attn_options_set_float(bag, key, float(value))
    elif isinstance(value, str):
        lib.attn_options_set_str(bag, key, value.encode())
    elif isinstance(value, (list, tuple)):
        lib.attn_options_set_str(bag, key, json.dumps(value).encode())
    elif value is not None:
        raise TypeError(f"option {name!r}: cannot pass a {type(value).__name__}")


@contextmanager
def options(values: Mapping[str, Option]) -> Iterator[object]:
    """An attn_options bag holding `values`, freed on leaving."""
    with created(lib.attn_options_free, lib.attn_options_create) as bag:
        for name, value in values.items():
            _set(bag, name, value)
        yield bag
