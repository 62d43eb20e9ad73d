"""The base of classes that own one libattn object."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

_H = TypeVar("_H", bound="Handle")


class Handle:
    """Owns a libattn handle, freed by close(), at the end of a with block
    or, failing those, when garbage-collected."""

    _free: ClassVar[Any]
    _ptr: Any = None

    def __init__(self, ptr: Any) -> None:
        self._ptr = ptr

    @property
    def closed(self) -> bool:
        """Whether close() has been called."""
        return self._ptr is None

    def close(self) -> None:
        """Releases the handle; later calls do nothing."""
        ptr, self._ptr = self._ptr, None
        if ptr:
            type(self)._free(ptr)

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def _handle(self) -> Any:
        """The C handle; ValueError once closed."""
        if self._ptr is None:
            raise ValueError(f"this attn.{type(self).__name__} is closed")
        return self._ptr
