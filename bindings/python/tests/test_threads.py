"""One model shared by threads gives what it gives sequentially."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import attn

THREADS = 4


def in_threads(work: Any, inputs: list[Any]) -> list[Any]:
    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(work, inputs))


def test_model_translate_from_threads(demo_model: attn.Model,
                                      heldout: list[dict[str, str]]) -> None:
    sources = [row["source"] for row in heldout] * 2
    sequential = [demo_model.translate(source, num_beams=4) for source in sources]
    assert in_threads(lambda source: demo_model.translate(source, num_beams=4),
                      sources) == sequential


def test_session_per_thread(demo_model: attn.Model, heldout: list[dict[str, str]]) -> None:
    batches = [[row["source"] for row in heldout[k::THREADS]] for k in range(THREADS)]
    sequential = [demo_model.translate(batch, num_beams=1) for batch in batches]

    def translate(batch: list[str]) -> list[str]:
        with attn.Session(demo_model, threads=1) as session:
            return [session.translate(text, num_beams=1) for text in batch]

    assert in_threads(translate, batches) == sequential


def test_model_generate_from_threads(ids_model: attn.Model, ids_cases: dict[str, Any]) -> None:
    sources = [source for case in ids_cases.values() for source in case["sources"]][:24]
    sequential = [ids_model.generate([source]) for source in sources]
    assert in_threads(lambda source: ids_model.generate([source]), sources) == sequential


def test_shared_session_serialises_calls(ids_model: attn.Model,
                                         ids_cases: dict[str, Any]) -> None:
    sources = [source for case in ids_cases.values() for source in case["sources"]][:24]
    with attn.Session(ids_model) as session:
        sequential = [session.generate([source], num_beams=1) for source in sources]
        assert in_threads(lambda source: session.generate([source], num_beams=1),
                          sources) == sequential
