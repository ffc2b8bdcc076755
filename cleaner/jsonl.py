"""JSON Lines corpora: clean one field of each record, keep the rest.

One output line per input line. A record's ``site_field`` (default ``url``)
names its page, so per-site rules apply to it as to a file in that site's
folder. A record whose text comes out unchanged
is written back byte for byte; in a changed one only the text field's
value is replaced (JSON-encoded, UTF-8, no ASCII escaping): every other
byte of the line is kept, so numbers, escapes, spacing and duplicate keys
read as they did. Lines that are not JSON objects, or whose field is
missing or not a string, are kept as they are and noted once as a warning.
"""

from __future__ import annotations

import codecs
import json
import re
from json.decoder import scanstring

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
    except RecursionError:  # ("[[[[…" nested deeper than Python's stack)
        _warn(doc, f"line {number}: JSON nested too deeply to read; kept as it is")
        return line
    text = record.get(config.text_field) if isinstance(record, dict) else None
    if not isinstance(text, str):
        _warn(doc, f"line {number}: no string field '{config.text_field}'; kept as it is")
        return line
    site = record.get(config.site_field) if config.site_field else None
    # The page's URL or domain stands for a path: per-site rules apply.
    part = clean_text(text, config, path=site if isinstance(site, str) and site.strip() else None)
    cleaned = value_text(text, part, config)
    if cleaned == text:
        return line
    span = value_span(line, config.text_field)
    if span is None:
        # (json.loads also reads UTF-16 and UTF-32; the splice needs UTF-8)
        _warn(doc, f"line {number}: not UTF-8; kept as it is")
        return line
    _merge(doc, part, 0, line=number)
    start, end = span
    return line[:start] + json.dumps(cleaned, ensure_ascii=False).encode("utf-8") + line[end:]


_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace
_DECODER = json.JSONDecoder()


def value_span(line: bytes, key: str) -> tuple[int, int] | None:
    """The byte span of the value of ``key`` in ``line``, a JSON object in
    UTF-8: of its last occurrence at the top level, the one ``json.loads``
    keeps. None if the line is no such object."""
    bom = len(codecs.BOM_UTF8) if line.startswith(codecs.BOM_UTF8) else 0
    try:
        # (json.loads reads bytes with surrogatepass too; the offsets are
        # turned back into byte offsets below)
        text = line[bom:].decode("utf-8", "surrogatepass")
        span = _value_span(text, key)
    except (ValueError, IndexError, RecursionError):  # not UTF-8, or not an object
        return None
    if span is None:
        return None
    start = bom + len(text[:span[0]].encode("utf-8", "surrogatepass"))
    return start, start + len(text[span[0]:span[1]].encode("utf-8", "surrogatepass"))


def _value_span(text: str, key: str) -> tuple[int, int] | None:
    """The character span of the last top-level ``key``'s value in ``text``;
    None (or ValueError, IndexError) if ``text`` is no JSON object with it."""
    skip = _WHITESPACE.match
    at = skip(text).end()
    if text[at] != "{":
        return None
    at = skip(text, at + 1).end()
    if text[at] == "}":
        return None
    span = None
    while True:
        if text[at] != '"':
            return None
        name, at = scanstring(text, at + 1)
        at = skip(text, at).end()
        if text[at] != ":":
            return None
        start = skip(text, at + 1).end()
        _, at = _DECODER.raw_decode(text, start)
        if name == key:
            span = (start, at)  # a later duplicate wins, as in json.loads
        at = skip(text, at).end()
        if text[at] == "}":
            return span
        if text[at] != ",":
            return None
        at = skip(text, at + 1).end()


def value_text(text: str, doc: Document, config: Config) -> str:
    """``doc.text``, ``text`` cleaned, as a record's value: a value is not a
    file, so no final newline is added (nor its change recorded)."""
    cleaned = doc.text
    if config.final_newline and not text.endswith("\n") and cleaned.endswith("\n"):
        cleaned = cleaned[:-1]
        if not _ends_with_line_breaks(text):
            # The pipeline's final newline was only added, and is taken off
            # again: its change is not done to the record.
            doc.changes = [change for change in doc.changes if change.kind != "final-newline"]
    return cleaned


def _ends_with_line_breaks(text: str) -> bool:
    """Whether the whitespace at the end of ``text`` holds a line break (then
    "final-newline" may have removed blank lines, a change that is kept)."""
    tail = text[len(text.rstrip()):]
    return "\n" in tail or "\r" in tail


def _warn(doc: Document, message: str) -> None:
    if not any(w.startswith(message.split(":")[0] + ":") for w in doc.warnings) and len(doc.warnings) < 20:
        doc.warnings.append(message)
