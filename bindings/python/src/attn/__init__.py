"""Python binding of libattn: Hugging Face seq2seq models (Marian/opus-mt,
BART, mBART, M2M100/NLLB, ...) run on CPU.

    with attn.Model("opus-mt-en-de") as model:
        print(model.translate("Hello world", num_beams=4))

The library is found through ATTN_LIBRARY_PATH (the file or its directory),
then beside this package, then as the system's libattn.so.0. Importing
raises ImportError when it is missing or of an incompatible version; calls
that fail raise AttnError (or its subclass for the status).
"""

from ._errors import (
    AbortedError,
    AttnError,
    BufferTooSmallError,
    FormatError,
    InputOutputError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfMemoryError,
    UnsupportedError,
)
from ._lib import library_path, library_version
from ._log import LOG_DEBUG, LOG_ERROR, LOG_INFO, LOG_WARN, LogHandler, set_log_handler
from ._model import Model
from ._options import Option
from ._results import Hypothesis, Result, StreamToken
from ._session import Session, Stream
from ._tokenizer import Tokenizer

__version__ = "0.1.0"

__all__ = [
    "AbortedError",
    "AttnError",
    "BufferTooSmallError",
    "FormatError",
    "Hypothesis",
    "InputOutputError",
    "InternalError",
    "InvalidArgumentError",
    "LOG_DEBUG",
    "LOG_ERROR",
    "LOG_INFO",
    "LOG_WARN",
    "LogHandler",
    "Model",
    "NotFoundError",
    "Option",
    "OutOfMemoryError",
    "Result",
    "Session",
    "Stream",
    "StreamToken",
    "Tokenizer",
    "UnsupportedError",
    "library_path",
    "library_version",
    "set_log_handler",
]
