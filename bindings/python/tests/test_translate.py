"""Text in, text out with the demo model (models/dates), against the
outputs of transformers recorded in its held-out set."""

from __future__ import annotations

import gc

import pytest
from helpers import DEMO_MODEL, ids

import attn

Rows = list[dict[str, str]]


@pytest.mark.parametrize(("num_beams", "column"), [(1, "greedy"), (4, "beam")])
def test_translation_matches_transformers(demo_model: attn.Model, heldout: Rows,
                                          num_beams: int, column: str) -> None:
    sources = [row["source"] for row in heldout]
    assert demo_model.translate(sources, num_beams=num_beams) == [row[column] for row in heldout]
    results = demo_model.translate_details(sources, num_beams=num_beams)
    assert [r.ids for r in results] == [ids(row[f"{column}_ids"]) for row in heldout]


def test_one_text_gives_one_translation(demo_model: attn.Model, heldout: Rows) -> None:
    source, expected = heldout[0]["source"], heldout[0]["beam"]
    assert demo_model.translate(source, num_beams=4) == expected
    assert demo_model.translate([source], num_beams=4) == [expected]


def test_details(demo_model: attn.Model, heldout: Rows) -> None:
    source = heldout[0]["source"]
    result = demo_model.translate_details(source, num_beams=4, num_return_sequences=2,
                                          return_scores=True, return_attention=True)
    assert result.text == heldout[0]["beam"]
    assert len(result.hypotheses) == 2
    assert result.hypotheses[0] == attn.Hypothesis(result.text, result.ids, result.score,
                                                   result.token_scores, result.alignment)
    assert result.hypotheses[0].score >= result.hypotheses[1].score
    assert demo_model.detokenize(result.ids, skip_special_tokens=True) == result.text
    assert result.token_scores is not None and len(result.token_scores) == len(result.ids)
    assert result.alignment is not None and len(result.alignment) == len(result.ids)
    source_length = len(demo_model.tokenize(source))
    for row in result.alignment:
        assert sum(row[:source_length]) == pytest.approx(1, abs=1e-5)
        assert not any(row[source_length:])


def test_score(demo_model: attn.Model, heldout: Rows) -> None:
    sources, targets = [row["source"] for row in heldout], [row["beam"] for row in heldout]
    scored = demo_model.score(sources, targets)
    for row, result in zip(heldout, scored):
        assert result.ids == ids(row["beam_ids"])
        assert result.token_scores is not None and len(result.token_scores) == len(result.ids)
        assert sum(result.token_scores) == pytest.approx(result.score, abs=1e-4)
        assert result.score < 0
    one = demo_model.score(sources[0], targets[0])
    assert one.ids == scored[0].ids
    assert one.score == pytest.approx(scored[0].score, abs=1e-5)  # unbatched: other sums
    with pytest.raises(ValueError, match="as many sources as targets"):
        demo_model.score(sources, targets[:1])


def test_stream_gives_the_greedy_translation(demo_model: attn.Model, heldout: Rows) -> None:
    sources = [row["source"] for row in heldout[:4]]
    with demo_model.translate_stream(sources) as stream:
        tokens = list(stream)
    for i, row in enumerate(heldout[:4]):
        assert [t.id for t in tokens if t.input == i] == ids(row["greedy_ids"])
        assert "".join(t.text for t in tokens if t.input == i) == row["greedy"]
    first = next(demo_model.translate_stream(sources[0]))
    assert (first.input, first.id) == (0, ids(heldout[0]["greedy_ids"])[0])


def test_stream_refuses_beam_search(demo_model: attn.Model, heldout: Rows) -> None:
    with pytest.raises(attn.UnsupportedError, match="num_beams"):
        demo_model.translate_stream(heldout[0]["source"], num_beams=4)


def test_session_with_an_open_stream(demo_model: attn.Model, heldout: Rows) -> None:
    source = heldout[0]["source"]
    session = attn.Session(demo_model)
    stream = session.translate_stream(source)
    next(stream)
    with pytest.raises(RuntimeError, match="open stream"):
        session.translate(source)
    stream.close()
    assert session.translate(source, num_beams=1) == heldout[0]["greedy"]
    stream = session.translate_stream(source)
    session.close()
    assert list(stream) == []


def test_dropped_stream_frees_its_session_at_once(demo_model: attn.Model,
                                                  heldout: Rows) -> None:
    with attn.Session(demo_model) as session:
        next(session.translate_stream(heldout[0]["source"]))
        assert session.translate(heldout[0]["source"], num_beams=4) == heldout[0]["beam"]


def test_tokenize_detokenize_round_trip(demo_model: attn.Model, heldout: Rows) -> None:
    for row in heldout:
        source_ids = demo_model.tokenize(row["source"])
        assert source_ids == ids(row["source_ids"])
        # The source tokenizer lower-cases: text -> ids -> text is not the
        # identity, but ids -> text -> ids is.
        text = demo_model.detokenize(source_ids, target=False, skip_special_tokens=True)
        assert demo_model.tokenize(text) == source_ids
        assert demo_model.detokenize(ids(row["beam_ids"]), skip_special_tokens=True) \
            == row["beam"]
        assert demo_model.tokenize(row["beam"], target=True) == ids(row["beam_ids"])
    with demo_model.tokenizer(target=True) as tokenizer:
        assert tokenizer.encode(heldout[0]["beam"]) == demo_model.tokenize(heldout[0]["beam"],
                                                                           target=True)


def test_unknown_option_gives_the_library_message(demo_model: attn.Model,
                                                  heldout: Rows) -> None:
    with pytest.raises(attn.InvalidArgumentError, match="unknown option 'num_beems'"):
        demo_model.translate(heldout[0]["source"], num_beems=4)


def test_list_options_pass_as_json(demo_model: attn.Model, heldout: Rows) -> None:
    source, first = heldout[0]["source"], ids(heldout[0]["greedy_ids"])[0]
    banned = demo_model.translate_details(source, num_beams=1, suppress_tokens=[first])
    assert banned.ids[0] != first
    forced = demo_model.translate_details(source, num_beams=1, target_prefix=[[first]])
    assert forced.ids[0] == first


def test_session_translates_after_its_model_is_closed(demo_model: attn.Model,
                                                      heldout: Rows) -> None:
    sources = [row["source"] for row in heldout[:4]]
    model = attn.Model(DEMO_MODEL)
    session = attn.Session(model)
    model.close()
    del model
    gc.collect()
    with session:
        assert session.translate(sources, num_beams=4) == [row["beam"] for row in heldout[:4]]
        assert session.tokenize(sources[0]) == demo_model.tokenize(sources[0])
        assert [t.id for t in session.translate_stream(sources[0])] == \
            ids(heldout[0]["greedy_ids"])
