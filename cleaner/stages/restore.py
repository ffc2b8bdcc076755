"""Restore lossy ``?``/``\ufffd`` damage in Vietnamese text from context with
the syllable language model (cleaner.restore). Lines without damage cost
nothing: the model is loaded only when damage is present."""

from __future__ import annotations

import re
from functools import lru_cache

from ..config import Config
from ..document import Document

STAGE = "repair"

# A URL, an e-mail address or a query string (?a=b): its "?" is no damage.
SKIP_RE = re.compile(r"\S*(?:://|www\.|@|\?\w+=)\S*")
_INNER_QUESTION = re.compile(r"\?(?=[^\W\d_])")
_TOKEN_REST = re.compile(r"\S*")


def has_inner_damage(text: str) -> bool:
    """Damage inside or at the start of a word, or any U+FFFD: proof that
    the text went through a lossy conversion (word-final or lone "?" are
    questions). Checked before the restorer (and numpy) is even imported."""
    return "\ufffd" in text or has_question_damage(text)


def has_question_damage(text: str) -> bool:
    """A "?" inside or at the start of a word, outside URLs and addresses,
    in a word that could have gone through a codepage that lost letters."""
    for match in _INNER_QUESTION.finditer(text):
        before = text[max(0, match.start() - 300):match.start()]
        head = "" if not before or before[-1].isspace() else before.split()[-1]
        token = head + _TOKEN_REST.match(text, match.start()).group()
        if not SKIP_RE.fullmatch(token) and not _keeps_lost_letters(token):
            return True
    return False


def _keeps_lost_letters(token: str) -> bool:
    """Whether ``token`` holds a letter Windows-1252 cannot write ("?Việt"
    in a classification): its "?" was not written by a conversion through
    cp1252, latin-1 or ASCII, which would have lost that letter too."""
    return not token.isascii() and any(char.isalpha() and not _cp1252_writes(char) for char in token)


@lru_cache(maxsize=4096)
def _cp1252_writes(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def run(doc: Document, config: Config) -> None:
    if not config.restore_lossy or not has_inner_damage(doc.text):
        return
    try:
        from ..restore import restore_document
    except ImportError:
        return
    restore_document(doc, config)
