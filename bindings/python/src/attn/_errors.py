"""Exceptions for libattn's status codes."""

from __future__ import annotations


class AttnError(Exception):
    """A libattn call failed.

    ``status`` is the library's status code (a negative ``ATTN_E_*`` value),
    ``status_name`` its description (``attn_status_string``) and ``message``
    what ``attn_last_error`` said right after the failing call.
    """

    status: int = 0

    def __init__(self, message: str, status: int, status_name: str) -> None:
        super().__init__(message, status, status_name)
        self.message = message
        self.status = status
        self.status_name = status_name

    def __str__(self) -> str:
        return f"{self.message} ({self.status_name})"


class InvalidArgumentError(AttnError):
    """ATTN_E_INVALID_ARGUMENT: a bad argument, option name or option value."""

    status = -1


class NotFoundError(AttnError):
    """ATTN_E_NOT_FOUND: a missing file, tensor, key or vocabulary entry."""

    status = -2


class FormatError(AttnError):
    """ATTN_E_FORMAT: a malformed file or text."""

    status = -3


class UnsupportedError(AttnError):
    """ATTN_E_UNSUPPORTED: well-formed but not handled."""

    status = -4


class OutOfMemoryError(AttnError):
    """ATTN_E_NO_MEMORY: an allocation failed."""

    status = -5


class InputOutputError(AttnError):
    """ATTN_E_IO: the operating system refused."""

    status = -6


class BufferTooSmallError(AttnError):
    """ATTN_E_BUFFER_TOO_SMALL: a buffer cannot hold the answer."""

    status = -7


class AbortedError(AttnError):
    """ATTN_E_ABORTED: a callback asked to stop."""

    status = -8


class InternalError(AttnError):
    """ATTN_E_INTERNAL: a bug in libattn or a dependency."""

    status = -9


_BY_STATUS = {
    cls.status: cls
    for cls in (
        InvalidArgumentError,
        NotFoundError,
        FormatError,
        UnsupportedError,
        OutOfMemoryError,
        InputOutputError,
        BufferTooSmallError,
        AbortedError,
        InternalError,
    )
}


def error_for(status: int, message: str, status_name: str) -> AttnError:
    """The exception for `status`: its subclass, or AttnError for a code added later."""
    return _BY_STATUS.get(status, AttnError)(message, status, status_name)


# Tracebacks name them as attn exports them: attn.NotFoundError.
for _cls in (AttnError, *_BY_STATUS.values()):
    _cls.__module__ = "attn"
