"""Where the repository's fixtures and the demo model are, found from this
file (ATTN_DEMO_MODEL overrides the model folder)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[3]
HEADER = REPO / "include" / "attn.h"
FIXTURES = REPO / "tests" / "fixtures"
IDS_MODEL = FIXTURES / "generate" / "trained-marian"
TOKENIZER = FIXTURES / "tokenizers" / "marian"
DEMO_MODEL = Path(os.environ.get("ATTN_DEMO_MODEL", REPO / "models" / "dates"))
HELDOUT_ROWS = 20


def need(path: Path) -> Path:
    """`path`, or a skip when it is absent (as in an installed copy)."""
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


def ids(cell: str) -> list[int]:
    """Token ids from a held-out cell such as "5 17 0"."""
    return [int(token) for token in cell.split()]


def generated(case: dict[str, Any], pad: int) -> list[list[int]]:
    """A case's sequences as libattn returns ids: no decoder start token,
    no padding."""
    out = []
    for sequence in case["sequences"]:
        ids = sequence[1:]
        while ids and ids[-1] == pad:
            ids.pop()
        out.append(ids)
    return out
