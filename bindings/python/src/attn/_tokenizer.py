"""attn.Tokenizer: text to token ids and back."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from ctypes import byref, c_int32, c_size_t, create_string_buffer
from typing import Any

from ._handle import Handle
from ._lib import OK, lib, make
from ._options import Option, options


def _grown(call: Callable[[Any, int, Any], int], allocate: Callable[[int], Any],
           capacity: int, terminator: int) -> tuple[Any, int]:
    """Calls call(buffer, capacity, &needed) with larger buffers while the
    library answers that the buffer is too small; returns the buffer and
    the count it filled. `terminator` is the room a NUL takes."""
    needed = c_size_t()
    while True:
        buffer = allocate(capacity)
        if call(buffer, capacity, byref(needed)) == OK:
            return buffer, needed.value
        capacity = needed.value + terminator


def _ids(count: int) -> Any:
    return (c_int32 * count)()


class Tokenizer(Handle):
    """Text to token ids and back. Any number of threads may use one at once."""

    _free = lib.attn_tokenizer_free

    def __init__(self, path: str | os.PathLike[str], *, target: bool = False) -> None:
        """Loads a model folder's tokenizer (its target side's with
        target=True), a SentencePiece .model file or a tokenizer.json file."""
        with options({"target": target}) as bag:
            super().__init__(make(lib.attn_tokenizer_free, lib.attn_tokenizer_load,
                                  os.fsencode(path), bag))

    @classmethod
    def _adopt(cls, ptr: Any) -> Tokenizer:
        """A Tokenizer owning a reference the library handed out."""
        tokenizer = cls.__new__(cls)
        Handle.__init__(tokenizer, ptr)
        return tokenizer

    @property
    def kind(self) -> str:
        """What the tokenizer is: "sentencepiece", "tokenizer.json", "marian", ..."""
        return lib.attn_tokenizer_kind(self._handle()).decode()

    @property
    def vocab_size(self) -> int:
        """The number of ids, added tokens included."""
        return lib.attn_tokenizer_vocab_size(self._handle())

    def encode(self, text: str, /, **opts: Option) -> list[int]:
        """The ids of `text`. Options: add_special_tokens (default True),
        src_lang, tgt_lang."""
        handle, data = self._handle(), text.encode()
        with options(opts) as bag:
            ids, count = _grown(
                lambda buffer, capacity, needed: lib.attn_tokenizer_encode(
                    handle, data, len(data), bag, buffer, capacity, needed),
                _ids, len(data) + 8, 0)
        return ids[:count]

    def decode(self, ids: Sequence[int], /, **opts: Option) -> str:
        """The text of `ids`. Options: skip_special_tokens (default False)."""
        handle, array = self._handle(), (c_int32 * len(ids))(*ids)
        with options(opts) as bag:
            text, length = _grown(
                lambda buffer, capacity, needed: lib.attn_tokenizer_decode(
                    handle, array, len(array), bag, buffer, capacity, needed),
                create_string_buffer, 8 * len(array) + 16, 1)
        return text.raw[:length].decode("utf-8", "replace")

    def id_to_piece(self, token_id: int, /) -> str:
        """The vocabulary string of an id; NotFoundError if there is none."""
        handle = self._handle()
        piece, length = _grown(
            lambda buffer, capacity, needed: lib.attn_tokenizer_id_to_piece(
                handle, token_id, buffer, capacity, needed),
            create_string_buffer, 16, 1)
        return piece.raw[:length].decode("utf-8", "replace")

    def piece_to_id(self, piece: str, /) -> int:
        """The id of a vocabulary string; NotFoundError if it has none."""
        data, found = piece.encode(), c_int32()
        lib.attn_tokenizer_piece_to_id(self._handle(), data, len(data), byref(found))
        return found.value
