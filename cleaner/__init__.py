"""cleaner: turn scraped web text into a clean corpus.

>>> import cleaner
>>> cleaner.clean_text("Qu\\u00e1\\u00ba\\u00adn H\\u00c3\\u00a0 \\u00c4\\u0090\\u00c3\\u00b4ng\\n").text
'Quận Hà Đông\\n'
"""

from .config import Config, load_config
from .document import Change, Document
from .errors import BinaryInputError, CleanerError, ConfigError, DecodeError, InputTooLargeError
from .pipeline import clean_bytes, clean_text
from . import legacy as _legacy  # noqa: F401  registers the tcvn3/vni/viscii/vps/viqr codecs

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
