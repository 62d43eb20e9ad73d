"""What generation, translation and scoring return."""

from __future__ import annotations

from ctypes import POINTER, byref, c_char_p, c_float, c_int32, c_size_t, string_at
from dataclasses import dataclass, field
from typing import Any, cast

from ._lib import OK, lib


@dataclass(frozen=True)
class Hypothesis:
    """One output sequence.

    text: its text (None for results of token ids); ids: the generated ids
    (the decoder start token excluded, an end-of-sequence token included);
    score: beam search's length-normalised log-probability, or the sum of
    the tokens' log-probabilities; token_scores: each token's
    log-probability (generation records them with return_scores=True);
    alignment: one row of source weights per token (generation records it
    with return_attention=True).
    """

    text: str | None
    ids: list[int]
    score: float
    token_scores: list[float] | None
    alignment: list[list[float]] | None


@dataclass(frozen=True)
class Result(Hypothesis):
    """The output for one input: its best hypothesis, and in `hypotheses`
    all of them (num_return_sequences), best first."""

    hypotheses: list[Hypothesis] = field(default_factory=list)


def _text(result: Any, i: int, j: int = 0) -> str | None:
    """The text of hypothesis j of input i, None for a result of ids."""
    data, length = c_char_p(), c_size_t()
    if lib.attn_result_text(result, i, j, byref(data), byref(length)) != OK:
        return None
    return string_at(data, length.value).decode("utf-8", "replace")


def best_texts(result: Any) -> list[str]:
    """Each input's best text, from a translation result."""
    return [cast(str, _text(result, i)) for i in range(lib.attn_result_count(result))]


def _hypothesis(result: Any, i: int, j: int) -> Hypothesis:
    tokens, count, score = POINTER(c_int32)(), c_size_t(), c_float()
    lib.attn_result_hypothesis(result, i, j, byref(tokens), byref(count), byref(score))
    values, rows, columns = POINTER(c_float)(), c_size_t(), c_size_t()
    scores = None
    if lib.attn_result_token_scores(result, i, j, byref(values), byref(rows)) == OK:
        scores = values[:rows.value]
    alignment = None
    if lib.attn_result_alignment(result, i, j, byref(values), byref(rows),
                                 byref(columns)) == OK:
        width = columns.value
        alignment = [values[row * width:(row + 1) * width] for row in range(rows.value)]
    return Hypothesis(_text(result, i, j), tokens[:count.value], score.value, scores, alignment)


def results(result: Any) -> list[Result]:
    """Every input's Result."""
    out = []
    for i in range(lib.attn_result_count(result)):
        count = lib.attn_result_hypotheses(result, i)
        hypotheses = [_hypothesis(result, i, j) for j in range(count)]
        out.append(Result(**vars(hypotheses[0]), hypotheses=hypotheses))
    return out


@dataclass(frozen=True)
class StreamToken:
    """A token as streaming generation chooses it: `input` is the index of
    the text it belongs to, `id` and `logprob` the token, `text` the text it
    adds to that input's translation (empty while a character is incomplete
    or for a special token)."""

    input: int
    id: int
    logprob: float
    text: str
