"""cleaner: turn scraped web text into a clean corpus.

>>> import cleaner
>>> cleaner.clean_text("Qu\\u00e1\\u00ba\\u00adn H\\u00c3\\u00a0 \\u00c4\\u0090\\u00c3\\u00b4ng\\n").text
'Quận Hà Đông\\n'

Importing the package is cheap: the pipeline (ftfy, chardet, the rule
engine, the restoration model) is imported on first use of
``clean_text`` / ``clean_bytes``, so a command that has nothing to clean
(a re-run where the cache knows every file) never loads it.
"""

from __future__ import annotations

import codecs as _codecs

from .config import Config, load_config
from .document import Change, Document
from .errors import BinaryInputError, CleanerError, ConfigError, DecodeError, InputTooLargeError

__version__ = "0.1.0"

__all__ = [
    "BinaryInputError",
    "Change",
    "CleanerError",
    "Config",
    "ConfigError",
    "DecodeError",
    "Document",
    "InputTooLargeError",
    "clean_bytes",
    "clean_text",
    "load_config",
]

_LAZY = {"clean_bytes": "pipeline", "clean_text": "pipeline"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def _legacy_codecs(name: str):
    """Codec search function: ``data.decode("tcvn3")`` and the other legacy
    Vietnamese codecs work once ``cleaner`` is imported. The codec module is
    loaded the first time a name Python does not know itself is looked up."""
    from .legacy import codec

    codec.register()
    return codec._search(name)


_codecs.register(_legacy_codecs)
