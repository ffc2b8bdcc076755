"""Run the pipeline over many inputs and write the results: the part of
``cleaner clean`` that is not command-line parsing."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .document import Document
from .errors import CleanerError
from .files import STDIN, Source, SourceError, atomic_write, read_bytes, unchanged_since
from .pipeline import clean_bytes


@dataclass
class Mode:
    """Where results go. Exactly one of output_dir / in_place / stdout, or
    none of them for --check and --diff (which write nothing)."""

    output_dir: Path | None = None
    in_place: bool = False
    stdout: bool = False
    write: bool = True  # False under --check / --diff


@dataclass
class FileResult:
    source: Source
    status: str  # "changed", "unchanged", "failed"
    document: Document | None = None
    error: str | None = None
    written: str | None = None  # where the output went
    warnings: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.source.path


def clean_source(source: Source, config: Config, mode: Mode) -> FileResult:
    """Read, clean and (per ``mode``) write one input. Never raises for bad
    input: the error is in the result."""
    try:
        data, info = read_bytes(source)
        doc = clean_bytes(data, config, path=source.path)
    except CleanerError as exc:
        return FileResult(source, "failed", error=str(exc))
    result = FileResult(source, "changed" if doc.changed else "unchanged", doc)
    result.warnings.extend(doc.warnings)
    if _would_empty(doc) and not config.force:
        result.status, result.error = "failed", (
            "cleaning would leave the file empty although it had text; not written (use --force)"
        )
        return result
    if not mode.write:
        return result
    try:
        _write(result, doc, info, mode)
    except OSError as exc:
        result.status, result.error = "failed", f"cannot write: {exc.strerror or exc}"
    except SourceError as exc:
        result.status, result.error = "failed", str(exc)
    return result


def _would_empty(doc: Document) -> bool:
    return not doc.text.strip() and any(ch.isalpha() for ch in (doc.decoded_text or ""))


def _write(result: FileResult, doc: Document, info: os.stat_result | None, mode: Mode) -> None:
    data = doc.output_bytes
    source = result.source
    if mode.stdout or source.path == STDIN:
        import sys

        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        result.written = STDIN
    elif mode.in_place:
        if not doc.changed:
            return  # untouched: not even the mtime moves
        if not unchanged_since(source.path, info):
            raise SourceError("changed on disk while being cleaned; not overwritten")
        atomic_write(source.path, data, info.st_mode if info else None)
        result.written = source.path
    elif mode.output_dir is not None:
        target = mode.output_dir / source.relative
        if target.resolve() == Path(source.path).resolve():
            raise SourceError("output would overwrite the input; use --in-place")
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
        result.written = str(target)


def clean_sources(sources: Iterable[Source], config: Config, mode: Mode) -> Iterator[FileResult]:
    for source in sources:
        yield clean_source(source, config, mode)
