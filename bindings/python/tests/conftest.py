"""Models and reference outputs shared by the tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import DEMO_MODEL, HELDOUT_ROWS, IDS_MODEL, need

import attn


@pytest.fixture(scope="session")
def ids_model() -> Iterator[attn.Model]:
    """A trained Marian model without tokenizers."""
    with attn.Model(need(IDS_MODEL)) as model:
        yield model


@pytest.fixture(scope="session")
def ids_cases() -> dict[str, Any]:
    """transformers' generate() outputs for ids_model, by case name."""
    data = json.loads(need(IDS_MODEL.with_suffix(".json")).read_text())
    return {case["name"]: case for case in data["cases"]}


@pytest.fixture(scope="session")
def demo_model() -> Iterator[attn.Model]:
    """The dates model (ATTN_DEMO_MODEL, else models/dates)."""
    with attn.Model(need(DEMO_MODEL / "config.json").parent) as model:
        yield model


@pytest.fixture(scope="session")
def heldout() -> list[dict[str, str]]:
    """The first rows of the demo model's held-out set, by column: source,
    expected, beam and greedy (transformers' outputs with num_beams 4 and
    1), source_ids, beam_ids, greedy_ids (ids separated by spaces), ..."""
    path = need(DEMO_MODEL.with_name(DEMO_MODEL.name + "-heldout.tsv"))
    header, *lines = path.read_text(encoding="utf-8").splitlines()[:HELDOUT_ROWS + 1]
    return [dict(zip(header.split("\t"), line.split("\t"))) for line in lines]
