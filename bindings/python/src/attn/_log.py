"""Receiving libattn's log messages."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ._lib import attn_log_fn, lib

LOG_ERROR = 0
LOG_WARN = 1
LOG_INFO = 2
LOG_DEBUG = 3

LogHandler = Callable[[int, str], None]

_lock = threading.Lock()
_installed: Any = None  # the C callback, kept alive while installed


def set_log_handler(handler: LogHandler | None, level: int = LOG_WARN) -> None:
    """Calls handler(level, message) for each library message at `level`
    (LOG_ERROR ... LOG_DEBUG) and below; None stops them. The handler may run
    on any thread that calls into libattn, and must not call attn itself."""
    global _installed
    callback = attn_log_fn()
    if handler is not None:
        callback = attn_log_fn(
            lambda _user, message_level, message: handler(
                message_level, message.decode("utf-8", "replace")))
    with _lock:
        lib.attn_set_log_callback(callback, None, level)
        _installed = callback
