"""The library's log messages reach a Python handler."""

from __future__ import annotations

import pytest
from helpers import IDS_MODEL, need

import attn


def test_log_handler() -> None:
    messages: list[tuple[int, str]] = []
    attn.set_log_handler(lambda level, message: messages.append((level, message)),
                         attn.LOG_INFO)
    try:
        attn.Model(need(IDS_MODEL)).close()
    finally:
        attn.set_log_handler(None)
    assert any(level == attn.LOG_INFO and str(IDS_MODEL) in message
               for level, message in messages)
    count = len(messages)
    attn.Model(IDS_MODEL).close()
    assert len(messages) == count


def test_bad_level() -> None:
    with pytest.raises(attn.InvalidArgumentError):
        attn.set_log_handler(print, 7)
