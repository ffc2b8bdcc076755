"""Remove site chrome (comment forms, counters, related-news lists, ...) by
configurable rules (cleaner.rules)."""

from __future__ import annotations

from ..config import Config
from ..document import Document

STAGE = "chrome"


def run(doc: Document, config: Config) -> None:
    if not config.has_chrome_rules:
        return
    try:
        from ..rules import remove_chrome
    except ImportError:
        return
    remove_chrome(doc, config)
