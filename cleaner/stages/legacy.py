"""Repair legacy Vietnamese text that was read as cp1252/latin-1 upstream
(``§¶ng``, ``Ñaûng`` for ``Đảng``). Filled in by cleaner.legacy."""

from __future__ import annotations

from ..config import Config
from ..document import Document

STAGE = "repair"


def run(doc: Document, config: Config) -> None:
    if not config.fix_legacy:  # ASCII text too: it may be VIQR
        return
    try:
        from ..legacy import repair_text
    except ImportError:
        return
    repair_text(doc)
