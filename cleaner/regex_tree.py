"""Python's own regex parser, for the modules that read patterns
(cleaner.fastpath reduces ftfy's badness pattern, cleaner.rules.scan
reads rule patterns), and writing parsed class items back as regex text."""

from __future__ import annotations

import re

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

__all__ = ["sre_constants", "sre_parse", "class_item", "class_text"]

CATEGORIES = {
    sre_constants.CATEGORY_SPACE: "\\s",
    sre_constants.CATEGORY_WORD: "\\w",
    sre_constants.CATEGORY_DIGIT: "\\d",
}


def class_item(op, value) -> str | None:
    """One item of a parsed class (a character, a range, \\s \\w \\d) as
    regex text; None for anything else (negation, other categories)."""
    if op is sre_constants.LITERAL:
        return re.escape(chr(value))
    if op is sre_constants.RANGE:
        return f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}"
    if op is sre_constants.CATEGORY and value in CATEGORIES:
        return CATEGORIES[value]
    return None


def class_text(items) -> str | None:
    """A parsed class (``IN``'s items, negation included) written back as
    regex text; None when an item cannot be (see ``class_item``)."""
    negate = bool(items) and items[0][0] is sre_constants.NEGATE
    body = [class_item(op, value) for op, value in items[negate:]]
    return None if None in body else f"[{'^' if negate else ''}{''.join(body)}]"
