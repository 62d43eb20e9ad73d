"""attn.Model: a loaded model folder."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from ctypes import byref, c_int64

from ._errors import AttnError
from ._lib import TOKENIZER_SOURCE, TOKENIZER_TARGET, lib, make
from ._options import Option, options
from ._session import Session, Translator
from ._tokenizer import Tokenizer


class Model(Translator):
    """A Hugging Face model folder, loaded. Any number of threads may call
    its methods at once: each call runs on a session of its own, taken from
    a pool that grows to the number of concurrent calls."""

    _free = lib.attn_model_free

    def __init__(self, path: str | os.PathLike[str], /, *, threads: int = 0,
                 **opts: Option) -> None:
        """Loads the model folder at `path`. Options: use_mmap, pack_weights.
        `threads` is the session option of the pooled sessions (0: OpenMP's
        setting)."""
        self._threads = threads
        self._pool_lock = threading.Lock()
        self._idle: list[Session] = []
        with options(opts) as bag:
            super().__init__(make(lib.attn_model_free, lib.attn_model_load,
                                  os.fsencode(path), bag))
        self._tokenizers = tuple(self._own_tokenizer(target) for target in (False, True))

    def _own_tokenizer(self, target: bool) -> Tokenizer | AttnError:
        try:
            return self.tokenizer(target=target)
        except AttnError as err:
            return err

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._pool_lock:
            session = self._idle.pop() if self._idle else None
        if session is None:
            session = Session(self, threads=self._threads)
        try:
            yield session
        finally:
            with self._pool_lock:
                pooled = not (self.closed or session.closed)
                if pooled:
                    self._idle.append(session)
            if not pooled:
                session.close()

    def close(self) -> None:
        """Releases the model, its idle sessions and its tokenizers; Sessions
        and Tokenizers made from it go on working."""
        with self._pool_lock:
            idle, self._idle = self._idle, []
            super().close()
        for session in idle:
            session.close()
        self._tokenizers = ()

    @property
    def model_type(self) -> str:
        """The config.json model_type: "marian", "bart", ..."""
        return lib.attn_model_type(self._handle()).decode()

    def get_int(self, name: str, /) -> int:
        """An integer property: "vocab_size", "d_model", "eos_token_id", ...
        (attn_model_get_int lists them)."""
        value = c_int64()
        lib.attn_model_get_int(self._handle(), name.encode(), byref(value))
        return value.value

    def tokenizer(self, *, target: bool = False) -> Tokenizer:
        """A new reference to the model's source (or target) tokenizer."""
        side = TOKENIZER_TARGET if target else TOKENIZER_SOURCE
        return Tokenizer._adopt(make(lib.attn_tokenizer_free, lib.attn_model_tokenizer,
                                     self._handle(), side))
