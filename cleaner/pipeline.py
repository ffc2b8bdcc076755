"""The one pipeline: decode → repair (legacy, mojibake, lossy) → chrome →
normalize. Writing is the caller's business (cleaner.output)."""

from __future__ import annotations

from .config import DEFAULT, Config
from .document import Document
from .errors import InputTooLargeError
from .stages import chrome, decode, legacy, mojibake, normalize, restore

# (name, run) in order; every stage edits the document and records changes.
STAGES = (
    ("decode", decode.run),
    ("legacy", legacy.run),  # before ftfy and before whitespace normalization
    ("mojibake", mojibake.run),
    ("restore", restore.run),
    ("chrome", chrome.run),
    ("normalize", normalize.run),
)


def run(doc: Document, config: Config) -> Document:
    for _name, stage in STAGES:
        stage(doc, config)
    return doc


def clean_bytes(data: bytes, config: Config | None = None, path: str | None = None) -> Document:
    """Decode, repair and normalize ``data``. The returned document has the
    cleaned ``text``, the detected ``encoding`` (with ``confidence`` and
    ``method``) and the list of ``changes``. Raises a
    :class:`cleaner.errors.CleanerError` for binary or undecodable input."""
    config = config or DEFAULT
    if len(data) > config.max_file_size:
        raise InputTooLargeError(
            f"input is {len(data):,} bytes, over the {config.max_file_size:,}-byte limit (max_file_size)"
        )
    return run(Document(path=path, raw=bytes(data)), config)


def clean_text(text: str, config: Config | None = None, path: str | None = None) -> Document:
    """Repair and normalize already-decoded ``text`` (see :func:`clean_bytes`)."""
    config = config or DEFAULT
    # Lone surrogates cannot be written as UTF-8; they are decode damage.
    return run(Document(path=path, raw=None, text=text), config)
