"""JSON Lines corpora: clean one field of each record, keep the rest.

One output line per input line. A record's ``site_field`` (default ``url``)
names its page, so per-site rules apply to it as to a file in that site's
folder. A record whose text comes out unchanged
is written back byte for byte; a changed one is re-serialized (UTF-8, no
ASCII escaping) with only its text field replaced. Lines that are not
JSON objects, or whose field is missing or not a string, are kept as they
are and noted once as a warning.
"""

from __future__ import annotations

import json

from .config import Config
from .document import Document
from .pipeline import clean_text


def clean_record_line(line: bytes, config: Config, doc: Document, number: int) -> bytes:
    """The output line for one input line (changes go to ``doc``, with the
    record's line number)."""
    from .streaming import _merge

    if not line.strip():
        return line
    try:
        record = json.loads(line)
    except ValueError:
        _warn(doc, f"line {number}: not JSON; kept as it is")
        return line
    text = record.get(config.text_field) if isinstance(record, dict) else None
    if not isinstance(text, str):
        _warn(doc, f"line {number}: no string field '{config.text_field}'; kept as it is")
        return line
    site = record.get(config.site_field) if config.site_field else None
    # The page's URL or domain stands for a path: per-site rules apply.
    part = clean_text(text, config, path=site if isinstance(site, str) and site.strip() else None)
    cleaned = part.text
    # A record's text is a value, not a file: no final newline is added.
    if config.final_newline and not text.endswith("\n") and cleaned.endswith("\n"):
        cleaned = cleaned[:-1]
    if cleaned == text:
        return line
    _merge(doc, part, 0, line=number)
    record[config.text_field] = cleaned
    ending = b"\r\n" if line.endswith(b"\r\n") else b"\n" if line.endswith(b"\n") else b""
    return json.dumps(record, ensure_ascii=False).encode("utf-8") + ending


def _warn(doc: Document, message: str) -> None:
    if not any(w.startswith(message.split(":")[0] + ":") for w in doc.warnings) and len(doc.warnings) < 20:
        doc.warnings.append(message)
