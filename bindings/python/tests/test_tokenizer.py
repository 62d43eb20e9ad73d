"""attn.Tokenizer against transformers' outputs for the Marian fixture."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import FIXTURES, TOKENIZER, need

import attn


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return json.loads(need(TOKENIZER / "expected.json").read_text())


@pytest.fixture(scope="module")
def cases(expected: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(text, transformers' results) for every case given as text."""
    cases = json.loads((FIXTURES / "tokenizers" / "cases.json").read_text())["cases"]
    return [(case["text"], result) for case, result in zip(cases, expected["results"])
            if "text" in case]


@pytest.fixture(scope="module")
def source() -> Iterator[attn.Tokenizer]:
    with attn.Tokenizer(need(TOKENIZER)) as tokenizer:
        yield tokenizer


@pytest.fixture(scope="module")
def target() -> Iterator[attn.Tokenizer]:
    with attn.Tokenizer(need(TOKENIZER), target=True) as tokenizer:
        yield tokenizer


def test_properties(source: attn.Tokenizer, expected: dict[str, Any]) -> None:
    assert source.kind == "marian"
    assert source.vocab_size == expected["vocab_size"]


def test_encode_and_decode(source: attn.Tokenizer,
                           cases: list[tuple[str, dict[str, Any]]]) -> None:
    for text, result in cases:
        assert source.encode(text, add_special_tokens=False) == result["ids"], text
        assert source.encode(text) == result["ids_special"], text
        assert source.decode(result["ids_special"]) == result["decoded"], text
        assert source.decode(result["ids_special"], skip_special_tokens=True) \
            == result["decoded_skip"], text


def test_target_side(target: attn.Tokenizer, cases: list[tuple[str, dict[str, Any]]]) -> None:
    for text, result in cases:
        ids = target.encode(text)
        assert ids == result["target_ids_special"], text
        assert target.decode(ids, skip_special_tokens=True) == result["target_decoded_skip"], text


def test_pieces(source: attn.Tokenizer, expected: dict[str, Any]) -> None:
    for token_id, piece in expected["id_to_piece"]:
        assert source.id_to_piece(token_id) == piece
        assert source.piece_to_id(piece) == token_id
    with pytest.raises(attn.NotFoundError, match="not in the vocabulary"):
        source.piece_to_id("no such piece")
    with pytest.raises(attn.NotFoundError):
        source.id_to_piece(source.vocab_size + 5)


def test_long_output_grows_the_buffer(source: attn.Tokenizer) -> None:
    piece = source.id_to_piece(3228)
    assert piece == "\u2581स्टेट"  # 18 bytes, more than decode's first guess
    assert source.decode([3228] * 200) == " ".join([piece[1:]] * 200)


def test_round_trip(source: attn.Tokenizer) -> None:
    text = "The quick brown fox jumps over the lazy dog."
    assert source.decode(source.encode(text), skip_special_tokens=True) == text


def test_closed_tokenizer_refuses_use() -> None:
    tokenizer = attn.Tokenizer(need(TOKENIZER))
    tokenizer.close()
    tokenizer.close()
    assert tokenizer.closed
    with pytest.raises(ValueError, match="attn.Tokenizer is closed"):
        tokenizer.encode("x")
