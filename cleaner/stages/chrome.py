"""Remove site chrome (comment forms, counters, related-news lists, ...) by
configurable rules (cleaner.rules)."""

from __future__ import annotations

from ..config import Config
from ..document import Document

STAGE = "chrome"


def run(doc: Document, config: Config) -> None:
    if (not config.rules or config.rules == ("none",)) and not config.sites and not config.inline_rules:
        return  # (rules = ["none"] with a site's own rules: "rules for site X only")
    try:
        from ..rules import remove_chrome
    except ImportError:
        return
    remove_chrome(doc, config)
