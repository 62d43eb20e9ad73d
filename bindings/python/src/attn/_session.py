"""attn.Session, the translation methods it shares with attn.Model, and
streaming."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from ctypes import byref, c_char_p, c_float, c_int32, c_size_t
from itertools import chain
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._errors import AttnError
from ._handle import Handle
from ._lib import OK, created, lib, make
from ._options import Option, options
from ._results import Result, StreamToken, best_texts, results
from ._tokenizer import Tokenizer

if TYPE_CHECKING:
    from ._model import Model

_T = TypeVar("_T")

# Options that translate_stream() hands to the source tokenizer.
_ENCODE_OPTIONS = ("add_special_tokens", "src_lang")


def _listed(texts: str | Sequence[str]) -> list[str]:
    return [texts] if isinstance(texts, str) else list(texts)


def _encoded(texts: str | Sequence[str]) -> list[bytes]:
    return [text.encode() for text in _listed(texts)]


def _strings(batch: list[bytes]) -> tuple[Any, Any]:
    """A C array of texts and one of their lengths."""
    return (c_char_p * len(batch))(*batch), (c_size_t * len(batch))(*map(len, batch))


def _sequences(batch: Sequence[Sequence[int]]) -> tuple[Any, Any]:
    """Token sequences one after another, and their lengths."""
    ids = list(chain.from_iterable(batch))
    return (c_int32 * len(ids))(*ids), (c_size_t * len(batch))(*map(len, batch))


def _one_or_all(texts: str | Sequence[str], outputs: list[_T]) -> _T | list[_T]:
    return outputs[0] if isinstance(texts, str) else outputs


class Translator(Handle):
    """The methods Model and Session share. Options are transformers' names
    (docs/options.md): num_beams=4, max_new_tokens=64, src_lang="fr_XX",
    bad_words_ids=[[5]]; an unknown name raises InvalidArgumentError with
    the library's message."""

    _tokenizers: Sequence[Tokenizer | AttnError]

    def _session(self) -> AbstractContextManager[Session]:
        """A session this thread may use until the block ends."""
        raise NotImplementedError

    def _tokenizer(self, target: bool) -> Tokenizer:
        self._handle()
        tokenizer = self._tokenizers[target]
        if isinstance(tokenizer, AttnError):
            raise tokenizer.with_traceback(None)
        return tokenizer

    def _run(self, read: Callable[[Any], list[_T]], opts: dict[str, Option],
             function: Any, *args: Any) -> list[_T]:
        """function(session, *args, options, &result) read by read(); args end
        with the number of inputs, and none give []."""
        if not args[-1]:
            return []
        with options(opts) as bag, self._session() as session, session._call() as handle, \
                created(lib.attn_result_free, function, handle, *args, bag) as result:
            return read(result)

    # A str is also a Sequence[str]: the first overload wins for it.
    @overload
    def translate(self, texts: str, /, **opts: Option) -> str: ...  # type: ignore[overload-overlap]

    @overload
    def translate(self, texts: Sequence[str], /, **opts: Option) -> list[str]: ...

    def translate(self, texts: str | Sequence[str], /, **opts: Option) -> str | list[str]:
        """Translates a text, or each of a sequence of texts, with the model's
        tokenizers as transformers' translation pipeline does."""
        batch = _encoded(texts)
        return _one_or_all(texts, self._run(best_texts, opts, lib.attn_translate,
                                            *_strings(batch), len(batch)))

    @overload
    def translate_details(self, texts: str, /, **opts: Option) -> Result: ...  # type: ignore[overload-overlap]

    @overload
    def translate_details(self, texts: Sequence[str], /, **opts: Option) -> list[Result]: ...

    def translate_details(self, texts: str | Sequence[str], /,
                          **opts: Option) -> Result | list[Result]:
        """translate() giving Results: text, ids, score and every hypothesis,
        with token scores if return_scores=True and alignments if
        return_attention=True."""
        batch = _encoded(texts)
        return _one_or_all(texts, self._run(results, opts, lib.attn_translate,
                                            *_strings(batch), len(batch)))

    @overload
    def score(self, sources: str, targets: str, /, **opts: Option) -> Result: ...  # type: ignore[overload-overlap]

    @overload
    def score(self, sources: Sequence[str], targets: Sequence[str], /,
              **opts: Option) -> list[Result]: ...

    def score(self, sources: str | Sequence[str], targets: str | Sequence[str], /,
              **opts: Option) -> Result | list[Result]:
        """The log-probability of each target given its source: a Result whose
        ids are the target's tokens, score their sum and token_scores each."""
        src, tgt = _encoded(sources), _encoded(targets)
        if isinstance(sources, str) != isinstance(targets, str) or len(src) != len(tgt):
            raise ValueError("score() takes a source and a target, or as many sources as targets")
        return _one_or_all(sources, self._run(results, opts, lib.attn_score_text,
                                              *_strings(src), *_strings(tgt), len(src)))

    def generate(self, batch: Sequence[Sequence[int]], /, **opts: Option) -> list[Result]:
        """Generates from token id sequences (special tokens included) a Result
        of ids for each."""
        return self._run(results, opts, lib.attn_generate_ids, *_sequences(batch), len(batch))

    def translate_stream(self, texts: str | Sequence[str], /, **opts: Option) -> Stream:
        """Translates with greedy decoding or sampling, yielding each token as it
        is chosen (see Stream)."""
        return Stream(self, _listed(texts), {"num_beams": 1, **opts})

    def tokenize(self, text: str, /, *, target: bool = False, **opts: Option) -> list[int]:
        """The ids of `text` by the model's source (or target) tokenizer."""
        return self._tokenizer(target).encode(text, **opts)

    def detokenize(self, ids: Sequence[int], /, *, target: bool = True, **opts: Option) -> str:
        """The text of `ids` by the model's target (or source) tokenizer, which
        transformers' decode() uses too."""
        return self._tokenizer(target).decode(ids, **opts)


class Stream:
    """An iterator over the StreamTokens of a translation, produced one at a
    time as greedy decoding or sampling chooses them (num_beams must be 1).
    It holds a session until it is exhausted or closed (close(), a with
    block, or garbage collection); one thread at a time may advance it.

    Options are translate()'s, but num_beams defaults to 1, and the language
    of mBART, NLLB or M2M100 output is chosen with forced_bos_token_id rather
    than tgt_lang. skip_special_tokens (default True) applies to
    StreamToken.text.
    """

    def __init__(self, owner: Translator, texts: list[str], opts: dict[str, Option]) -> None:
        self._resources: ExitStack | None = None
        source, self._target = owner._tokenizer(False), owner._tokenizer(True)
        encode = {name: opts.pop(name) for name in _ENCODE_OPTIONS if name in opts}
        self._skip_special_tokens = opts.pop("skip_special_tokens", True)
        ids, lengths = _sequences([source.encode(text, **encode) for text in texts])
        self._ids: list[list[int]] = [[] for _ in texts]
        self._texts = [""] * len(texts)
        with ExitStack() as stack, options(opts) as bag:
            session = stack.enter_context(owner._session())
            handle = stack.enter_context(session._reserve(weakref.ref(self)))
            encoding = stack.enter_context(
                created(lib.attn_encoding_free, lib.attn_encode, handle, ids, lengths, len(texts)))
            self._stream = stack.enter_context(
                created(lib.attn_stream_free, lib.attn_stream_open, handle, encoding, bag))
            self._resources = stack.pop_all()

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> StreamToken:
        if self._resources is None:
            raise StopIteration
        index, token, logprob = c_size_t(), c_int32(), c_float()
        if lib.attn_stream_next(self._stream, byref(index), byref(token), byref(logprob)) != OK:
            self.close()
            raise StopIteration
        i, ids = index.value, self._ids[index.value]
        ids.append(token.value)
        text = self._target.decode(ids, skip_special_tokens=self._skip_special_tokens)
        added = ""
        if not text.endswith("\ufffd"):
            added, self._texts[i] = text[len(self._texts[i]):], text
        return StreamToken(i, token.value, logprob.value, added)

    def close(self) -> None:
        """Frees the stream and hands its session back."""
        resources, self._resources = self._resources, None
        if resources is not None:
            resources.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()


class Session(Translator):
    """A model's working state (buffers, caches), with the model's methods.
    Calls from several threads wait their turn; for parallel work use one
    session per thread, or Model's methods, which do. While a stream is
    open, other calls raise RuntimeError. Keeps its model's C object alive:
    it still works after the Model is closed."""

    _free = lib.attn_session_free

    def __init__(self, model: Model, /, **opts: Option) -> None:
        """A session for `model`. Options: threads (for matrix products; 0
        keeps OpenMP's setting)."""
        self._lock = threading.Lock()
        self._stream: weakref.ref[Stream] | None = None
        self._tokenizers = model._tokenizers
        with options(opts) as bag:
            super().__init__(make(lib.attn_session_free, lib.attn_session_create,
                                  model._handle(), bag))

    def _session(self) -> AbstractContextManager[Session]:
        return nullcontext(self)

    @contextmanager
    def _call(self) -> Iterator[Any]:
        """The C session, for one call at a time."""
        with self._lock:
            if self._stream is not None:
                raise RuntimeError("this attn.Session has an open stream; close it first")
            yield self._handle()

    @contextmanager
    def _reserve(self, stream: weakref.ref[Stream]) -> Iterator[Any]:
        """The C session, for `stream` alone until the block ends. A weak
        reference, so that the stream is freed as soon as it is dropped."""
        with self._call() as handle:
            self._stream = stream
        try:
            yield handle
        finally:
            self._stream = None

    def close(self) -> None:
        """Closes the open stream, if any, and frees the session."""
        stream = self._stream() if self._stream else None
        if stream is not None:
            stream.close()
        with self._lock:
            super().close()
