"""Restore lossy ``?``/``\ufffd`` damage in Vietnamese text from context with
the syllable language model (cleaner.restore). Lines without damage cost
nothing: the model is loaded only when damage is present."""

from __future__ import annotations

from ..config import Config
from ..document import Document

STAGE = "repair"


def run(doc: Document, config: Config) -> None:
    if not config.restore_lossy or ("?" not in doc.text and "\ufffd" not in doc.text):
        return
    try:
        from ..restore import restore_document
    except ImportError:
        return
    restore_document(doc, config)
