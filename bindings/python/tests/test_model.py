"""attn.Model and attn.Session on token ids: transformers' outputs, handle
lifetimes and closing."""

from __future__ import annotations

import gc
from typing import Any

import pytest
from helpers import IDS_MODEL, generated, need

import attn

# Options of the cases that are generate()'s own, not generation settings.
REPORTING = ("output_scores", "return_dict_in_generate")

CASES = [
    "greedy/b3",
    "greedy_bad_words/b3",
    "greedy_repetition_penalty/b3",
    "beam_length_penalty_0.6/b3",
    "beam_early_stopping_never/b3",
    "beam_num_return_sequences_2/b3",
    "greedy_target_prefix/b1",
    "greedy_target_prefix/b3",
]


def settings(case: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in case["options"].items() if name not in REPORTING}


@pytest.mark.parametrize("name", CASES)
def test_generate_matches_transformers(ids_model: attn.Model, ids_cases: dict[str, Any],
                                       name: str) -> None:
    case = ids_cases[name]
    results = ids_model.generate(case["sources"], **settings(case))
    hypotheses = [h for result in results for h in result.hypotheses]
    assert [h.ids for h in hypotheses] == generated(case, ids_model.get_int("pad_token_id"))
    assert [h.score for h in hypotheses] == pytest.approx(case["sequences_scores"] or
                                                          [h.score for h in hypotheses], abs=1e-4)
    assert all(result.ids == result.hypotheses[0].ids for result in results)
    assert all(h.text is None for h in hypotheses)


def test_scores_and_alignment_when_asked(ids_model: attn.Model) -> None:
    plain, = ids_model.generate([[2, 7, 27, 25, 14, 0]], num_beams=1)
    assert plain.token_scores is None and plain.alignment is None
    result, = ids_model.generate([[2, 7, 27, 25, 14, 0]], num_beams=1,
                                 return_scores=True, return_attention=True)
    assert result.ids == plain.ids
    assert result.token_scores is not None and result.alignment is not None
    assert sum(result.token_scores) == pytest.approx(result.score, abs=1e-5)
    assert len(result.alignment) == len(result.ids)
    assert all(len(row) == 6 and sum(row) == pytest.approx(1, abs=1e-5)
               for row in result.alignment)


def test_properties(ids_model: attn.Model) -> None:
    assert ids_model.model_type == "marian"
    assert ids_model.get_int("vocab_size") == 40
    with pytest.raises(attn.InvalidArgumentError, match="no_such_property"):
        ids_model.get_int("no_such_property")


def test_no_tokenizer(ids_model: attn.Model) -> None:
    with pytest.raises(attn.NotFoundError, match="has no tokenizer"):
        ids_model.tokenize("3 mars 2021")
    with pytest.raises(attn.NotFoundError, match="no tokenizer"):
        ids_model.translate("3 mars 2021")
    with pytest.raises(attn.NotFoundError, match="has no tokenizer"):
        ids_model.tokenizer()


def test_empty_batch(ids_model: attn.Model) -> None:
    assert ids_model.generate([]) == []
    assert ids_model.translate([]) == []


def test_session_outlives_its_model(ids_model: attn.Model) -> None:
    expected = ids_model.generate([[2, 7, 27, 25, 14, 0]])
    model = attn.Model(need(IDS_MODEL))
    session = attn.Session(model, threads=1)
    model.close()
    assert session.generate([[2, 7, 27, 25, 14, 0]]) == expected
    del model
    gc.collect()
    with session:
        assert session.generate([[2, 7, 27, 25, 14, 0]]) == expected
    assert session.closed


def test_sessions_freed_after_the_model_by_the_collector(ids_model: attn.Model) -> None:
    expected = ids_model.generate([[3, 23, 0]])
    model = attn.Model(need(IDS_MODEL))
    sessions = [attn.Session(model) for _ in range(3)]
    assert model.generate([[3, 23, 0]]) == expected  # leaves a pooled session
    del model
    gc.collect()
    assert [s.generate([[3, 23, 0]]) for s in sessions] == [expected] * 3
    del sessions
    gc.collect()


def test_closed_objects_refuse_use() -> None:
    with attn.Model(need(IDS_MODEL)) as model:
        session = attn.Session(model)
    assert model.closed and not session.closed
    with pytest.raises(ValueError, match="attn.Model is closed"):
        model.generate([[3, 23, 0]])
    with pytest.raises(ValueError, match="attn.Model is closed"):
        attn.Session(model)
    with pytest.raises(ValueError, match="attn.Model is closed"):
        model.tokenize("x")
    session.close()
    session.close()
    with pytest.raises(ValueError, match="attn.Session is closed"):
        session.generate([[3, 23, 0]])
