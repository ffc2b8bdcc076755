"""The one pipeline: decode → repair (legacy, mojibake, lossy) → chrome →
normalize. Writing is the caller's business (cleaner.output)."""

from __future__ import annotations

import dataclasses

from .config import DEFAULT, Config
from .document import Document
from .errors import InputTooLargeError
from .fastpath import forget_code_points
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


# Cleaning must be idempotent, but a later stage can give an earlier one new
# work: removing a control or zero-width character, turning NBSP into a
# space can complete a mojibake sequence or give the lossy-? restorer new
# context. So after a pass that made such a change, the repair stages run
# again until the text stops changing (at most MAX_SETTLE_PASSES times).
MAX_SETTLE_PASSES = 2
# Changes that give no other stage new work (whitespace at line ends, whole
# lines removed): a document with only these is not probed again.
SETTLED_KINDS = frozenset({"line-ending", "final-newline", "trailing-space", "blank-lines",
                           "spaces", "bom", "chrome"})


def run(doc: Document, config: Config) -> Document:
    try:
        for _name, stage in STAGES:
            stage(doc, config)
        _settle(doc, config)
    finally:
        forget_code_points()
    return doc


# Stages a settle pass re-runs first: the ones a normalization can give new
# work. Only if they change the text do chrome and normalize run after them.
_REPAIR = ("legacy", "mojibake", "restore")


def _run_stages(doc: Document, config: Config, repair: bool) -> None:
    for name, stage in STAGES:
        if name != "decode" and (name in _REPAIR) == repair:
            stage(doc, config)


def _settle(doc: Document, config: Config) -> None:
    recent = doc.changes
    for _ in range(MAX_SETTLE_PASSES):
        if all(change.kind in SETTLED_KINDS for change in recent):
            return
        # (the lossy-? restorer weighs the whole document, so a probe of the
        # touched lines alone can miss its new work: a whole-text pass)
        probe = dataclasses.replace(doc, changes=[], warnings=[])
        _run_stages(probe, config, repair=True)
        if probe.text == doc.text:
            return  # no new repair: chrome and normalize already saw this text
        _run_stages(probe, config, repair=False)
        doc.text = probe.text
        recent = probe.changes
        # (the probe restates the damage still left unresolved)
        doc.changes[:] = [change for change in doc.changes if change.kind != "lossy-unresolved"]
        doc.changes.extend(probe.changes)
        doc.warnings.extend(w for w in probe.warnings if w not in doc.warnings)


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
