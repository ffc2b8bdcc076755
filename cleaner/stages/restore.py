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
_TOKEN_REST = re.compile(r"\S{0,300}")


def has_inner_damage(text: str) -> bool:
    """Damage inside or at the start of a word, or any U+FFFD: proof that
    the text went through a lossy conversion (word-final or lone "?" are
    questions). Checked before the restorer (and numpy) is even imported."""
    return "\ufffd" in text or has_question_damage(text)


def has_question_damage(text: str) -> bool:
    """A "?" inside or at the start of a word, outside URLs and addresses,
    in a word that could have gone through a codepage that lost letters."""
    position = 0
    while (match := _INNER_QUESTION.search(text, position)) is not None:
        start = match.start()
        # The word around the "?" (letters and damage marks, at most 100
        # on each side); its other "?" share its answer.
        first = start
        while first > max(0, start - 100) and (text[first - 1].isalpha() or text[first - 1] in "?\ufffd"):
            first -= 1
        end = _WORD_AFTER.match(text, start).end()
        position = max(start + 1, end)
        if _keeps_lost_letters(text[first:end]):
            continue
        before = text[max(0, start - 300):start]
        head = "" if not before or before[-1].isspace() else before.split()[-1]
        if not SKIP_RE.fullmatch(head + _TOKEN_REST.match(text, start).group()):
            return True
        position = start + 1  # (a URL: its other "?" are looked at too, as before)
    return False


_WORD_AFTER = re.compile(r"(?:[^\W\d_]|[?\ufffd]){0,100}")


def _keeps_lost_letters(word: str) -> bool:
    """Whether ``word`` holds a letter Windows-1252 cannot write ("?Việt"
    in a classification): its "?" was not written by a conversion through
    cp1252, latin-1 or ASCII, which would have lost that letter too."""
    return not word.isascii() and any(char.isalpha() and not _cp1252_writes(char) for char in word)


@lru_cache(maxsize=4096)
def _cp1252_writes(char: str) -> bool:
    try:
        char.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


MAX_ROUNDS = 3


def run(doc: Document, config: Config) -> None:
    if not config.restore_lossy or not has_inner_damage(doc.text):
        return
    try:
        from ..restore import restore_document
    except ImportError:
        return
    # What is restored is context for what is left: a lone "?" after "? ?"
    # may be a question mark, after the words they became a lost letter.
    # Rounds go on while one restores something (cleaning the output again
    # must change nothing); only the last round's unresolved spots stay
    # recorded.
    unresolved_from = None
    for _ in range(MAX_ROUNDS):
        if unresolved_from is not None:
            doc.changes[unresolved_from:] = [c for c in doc.changes[unresolved_from:]
                                             if c.kind != "lossy-unresolved"]
        before, unresolved_from = doc.text, len(doc.changes)
        restore_document(doc, config)
        if doc.text == before or not has_inner_damage(doc.text):
            break
