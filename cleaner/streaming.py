"""Inputs cleaned in pieces with bounded memory: JSON Lines corpora (one
record at a time) and plain files over ``stream_threshold`` bytes (blocks
of paragraphs), compressed or not. Outputs are written incrementally to a
temp file that replaces the target at the end, so a stopped run leaves it
old or new.

Compression follows the file name: ``.gz``, ``.xz``, ``.bz2`` (stdlib) and
``.zst`` (the optional ``zstandard`` package); an output is compressed
the same way as its input (cleaner.files has the readers and writers).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import IO

from .config import Config
from .document import Change, Document
from .errors import CleanerError
from .files import (STDIN, Source, SourceError, compressed_writer, decompression_errors, in_place_target,
                    new_file_mode, open_input, temp_prefix, unchanged_since)

BLOCK_BYTES = 256 * 1024  # read size for plain files: blocks of about this size are cleaned at a time
# A block with no blank line is cut at a line end once it is this long: the
# pipeline needs tens of times a block's size in memory.
MAX_BLOCK_CHARS = 256 * 1024
# Changes kept in full (with their text) per streamed input; beyond, each
# change is still counted (kind, stage, rule) but its text is not kept, so
# a big dirty file does not fill the memory with change records.
MAX_KEPT_CHANGES = 10_000
MAX_WARNINGS = 20


class AtomicOutput:
    """A temp file beside ``target``, compressed like ``target``'s name,
    that replaces ``target`` on :meth:`commit` and disappears otherwise.
    It gets ``mode_bits`` (in place: the input's), or a new file's mode."""

    def __init__(self, target: Path, mode_bits: int | None = None, like: str | None = None):
        self.target = target
        self.mode_bits = mode_bits
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, self.temp = tempfile.mkstemp(prefix=temp_prefix(), dir=target.parent)
        self.raw = os.fdopen(fd, "wb")
        # compressed as ``like`` says (in place through a link: as the link's name)
        self.stream = compressed_writer(like or str(target), self.raw)

    def write(self, data: bytes) -> None:
        self.stream.write(data)

    def commit(self) -> None:
        if self.stream is not self.raw:
            self.stream.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()
        os.chmod(self.temp, self.mode_bits & 0o7777 if self.mode_bits is not None else new_file_mode())
        os.replace(self.temp, self.target)

    def discard(self) -> None:
        try:
            if self.stream is not self.raw:
                self.stream.close()
            self.raw.close()
        finally:
            try:
                os.unlink(self.temp)
            except OSError:
                pass


def clean_in_pieces(source: Source, config: Config, mode, pool=None):
    """The FileResult of a JSONL file or a large plain file, cleaned piece
    by piece and written (per ``mode``) as it goes. With ``pool`` (a
    process pool), JSONL records are cleaned there in chunks."""
    from .runner import FileResult

    doc = Document(path=source.path, encoding="utf-8", method="utf-8")
    result = FileResult(source, "unchanged", doc)
    out: AtomicOutput | None = None
    from_stdin = source.path == STDIN
    try:
        info = None if from_stdin else os.stat(source.path)
        result.size = info.st_size if info is not None else None
        # (stdin's output, if written, goes to stdout, as in cleaner.runner)
        if mode.write and not from_stdin and mode.output_dir is not None:
            target = mode.output_dir / source.relative
            if target.resolve() == Path(source.path).resolve():
                raise SourceError("output would overwrite the input; use --in-place")
            out = AtomicOutput(target)
        elif mode.write and not from_stdin and mode.in_place:
            out = AtomicOutput(in_place_target(source.path), info.st_mode, like=source.path)
        if config.jsonl:
            pieces = partial(_jsonl_pieces_parallel, pool=pool) if pool is not None else _jsonl_pieces
        else:
            pieces = _text_pieces
        if pool is None:
            _load_model_first(config)
        # Pieces need not line up (blank lines move between blocks): compare
        # the whole input and output streams by hash.
        old_hash, new_hash = hashlib.blake2b(), hashlib.blake2b()
        to_stdout = out is None and mode.write and (mode.stdout or from_stdin)
        # --diff shows a JSONL file's records as lines (a large plain file
        # is never streamed for --diff: it is cleaned whole).
        texts: tuple[list[bytes], list[bytes]] | None = ([], []) if mode.diff else None
        # (stdin is read, not closed: it is not this function's to close)
        with nullcontext(sys.stdin.buffer) if from_stdin else open_input(source.path) as handle:
            for before, after in pieces(handle, config, doc):
                old_hash.update(before)
                new_hash.update(after)
                if texts is not None:
                    texts[0].append(before)
                    texts[1].append(after)
                if out is not None:
                    out.write(after)
                elif to_stdout:
                    sys.stdout.buffer.write(after)
        if to_stdout:
            sys.stdout.buffer.flush()
            result.written = STDIN
        changed = old_hash.digest() != new_hash.digest() or any(c.kind == "bom" for c in doc.changes)
        if texts is not None:
            doc.decoded_text = b"".join(texts[0]).decode("utf-8", "replace")
            doc.text = b"".join(texts[1]).decode("utf-8", "replace")
        result.status = "changed" if changed else "unchanged"
        if out is not None:
            if mode.in_place and not changed:
                out.discard()  # untouched: not even the mtime moves
            elif mode.in_place and not unchanged_since(source.path, info):
                out.discard()
                raise SourceError("changed on disk while being cleaned; not overwritten")
            else:
                out.commit()
                result.written = str(out.target)
        out = None
    except (CleanerError, OSError, *decompression_errors()) as exc:
        result.status = "failed"
        result.error = str(exc) if isinstance(exc, CleanerError) else f"cannot read or write: {exc}"
    finally:
        if out is not None:
            out.discard()
    result.warnings.extend(doc.warnings)
    return result


def _load_model_first(config: Config) -> None:
    """Load the restoration model (when lossy damage is restored) before the
    first block is read: loading it briefly needs about twice its size, and
    that peak should not come on top of a block's."""
    if not config.restore_lossy:
        return
    try:
        from .restore import load_model

        load_model(config.model)
    except Exception:  # noqa: BLE001 - the restore stage reports a bad model where it is used
        pass


def _merge(doc: Document, part: Document, line_offset: int, line: int | None = None) -> None:
    """Add a piece's changes (lines made relative to the whole input) and
    warnings to the input's document."""
    _add_changes(doc, part.changes, line_offset, line)
    _add_warnings(doc, part.warnings)


def _add_changes(doc: Document, changes: list[Change], line_offset: int = 0, line: int | None = None) -> None:
    for change in changes:
        if len(doc.changes) >= MAX_KEPT_CHANGES:
            if len(doc.changes) == MAX_KEPT_CHANGES:
                _add_warnings(doc, [f"over {MAX_KEPT_CHANGES:,} changes: the rest are counted but their "
                                    "lines and texts are not kept"])
            doc.changes.append(_counted_only(change))
            continue
        where = line if line is not None else (change.line + line_offset if change.line else None)
        doc.changes.append(change if where == change.line else replace(change, line=where))


_COUNTED: dict[tuple, Change] = {}


def _counted_only(change: Change) -> Change:
    """A change without its line and texts, one shared object per kind of
    change: what the summary counts, at the cost of a list slot."""
    key = (change.stage, change.kind, change.rule, change.reason)
    shared = _COUNTED.get(key)
    if shared is None:
        shared = Change(change.stage, change.kind, None, "", "", change.reason, rule=change.rule)
        if len(_COUNTED) < 10_000:
            _COUNTED[key] = shared
    return shared


def _add_warnings(doc: Document, warnings: list[str]) -> None:
    for warning in warnings:
        if warning not in doc.warnings and len(doc.warnings) < MAX_WARNINGS:
            doc.warnings.append(warning)


# --- JSON Lines -----------------------------------------------------------

def _jsonl_pieces(handle: IO[bytes], config: Config, doc: Document) -> Iterator[tuple[bytes, bytes]]:
    from .jsonl import clean_record_line

    for number, line in enumerate(handle, 1):
        yield line, clean_record_line(line, config, doc, number)


JSONL_CHUNK_LINES = 2000
JSONL_CHUNK_BYTES = 4 * 1024**2


def _line_chunks(handle: IO[bytes]) -> Iterator[list[bytes]]:
    chunk: list[bytes] = []
    size = 0
    for line in handle:
        chunk.append(line)
        size += len(line)
        if len(chunk) >= JSONL_CHUNK_LINES or size >= JSONL_CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def clean_record_lines(lines: list[bytes], config: Config, first_number: int) -> tuple[list[bytes], Document]:
    """One chunk of JSONL lines, cleaned in a worker process."""
    from .jsonl import clean_record_line

    doc = Document()
    return [clean_record_line(line, config, doc, first_number + i) for i, line in enumerate(lines)], doc


def _jsonl_pieces_parallel(handle: IO[bytes], config: Config, doc: Document, pool) -> Iterator[tuple[bytes, bytes]]:
    """Chunks of records cleaned in ``pool``, a bounded number in flight,
    handed back in order."""
    from collections import deque

    in_flight = max(2, 3 * getattr(pool, "_max_workers", 2))
    pending: deque = deque()
    number = 1
    chunks = _line_chunks(handle)
    try:
        for chunk in chunks:
            pending.append((chunk, pool.submit(clean_record_lines, chunk, config, number)))
            number += len(chunk)
            while len(pending) >= in_flight or (pending and pending[0][1].done()):
                yield from _collect(pending.popleft(), doc)
        while pending:
            yield from _collect(pending.popleft(), doc)
    finally:
        for _, future in pending:
            future.cancel()


def _collect(item, doc: Document) -> Iterator[tuple[bytes, bytes]]:
    chunk, future = item
    outputs, part = future.result()
    _add_changes(doc, part.changes)
    _add_warnings(doc, part.warnings)
    yield from zip(chunk, outputs)


# --- large plain files ------------------------------------------------------

_BLANK_RUN = re.compile(r"\n(?:[^\S\n]*\n)+")


def can_stream_text(config: Config) -> bool:
    """Blocks join exactly only when every block ends with one newline."""
    return config.final_newline and not config.encoding


def _cut(buffer: str, final: bool) -> tuple[int, int] | None:
    """(end of block, start of the rest): after the last complete run of
    blank lines, or at a line end when a block grows too big."""
    last = None
    for last in _BLANK_RUN.finditer(buffer):
        pass
    if last is not None and (last.end() < len(buffer) or final):
        return last.start(), last.end()
    if len(buffer) > MAX_BLOCK_CHARS:
        end = buffer.rfind("\n")
        if end > 0:
            return end, end + 1
    return None


def _text_pieces(handle: IO[bytes], config: Config, doc: Document) -> Iterator[tuple[bytes, bytes]]:
    """Blocks of whole paragraphs (cut at blank lines), each cleaned as a
    document. The blank lines between blocks are written here, capped as
    ``max_blank_lines`` caps them, so the normalization steps give what
    cleaning the whole file gives. Needs UTF-8 input (the usual case for
    corpora this big)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    buffer, separator = "", ""
    newlines_before = 0
    wrote_text = False
    started = False
    while True:
        data = handle.read(BLOCK_BYTES)
        try:
            buffer += decoder.decode(data, final=not data)
        except UnicodeDecodeError:
            raise CleanerError(
                "large input is not valid UTF-8; blocks need UTF-8 (raise stream_threshold "
                "to clean it whole)") from None
        if not started and buffer:
            started = True
            if buffer.startswith("\ufeff"):
                buffer = buffer[1:]
                doc.record("decode", "bom", 1, "BOM", "", "removed the utf-8 byte-order mark")
        while True:
            cut = _cut(buffer, final=not data)
            if cut is None:
                break
            block, next_separator, buffer = buffer[:cut[0]], buffer[cut[0]:cut[1]], buffer[cut[1]:]
            piece = _piece(block, separator, config, doc, newlines_before, wrote_text)
            yield piece
            wrote_text = wrote_text or bool(piece[1])
            newlines_before += separator.count("\n") + block.count("\n")
            separator = next_separator
        if not data:
            break
    if buffer or separator:
        yield _piece(buffer, separator, config, doc, newlines_before, wrote_text)


def _piece(block: str, separator: str, config: Config, doc: Document,
           newlines_before: int, wrote_text: bool) -> tuple[bytes, bytes]:
    from .pipeline import clean_text

    offset = newlines_before + separator.count("\n")
    part = clean_text(block + "\n", config)
    _merge(doc, part, offset)
    blank = ""
    if part.text and wrote_text:
        count = max(separator.count("\n") - 1, 0)
        limit = config.max_blank_lines
        blank = "\n" * (count if limit < 0 else min(count, limit))
    return (separator + block).encode("utf-8", "surrogatepass"), (blank + part.text).encode("utf-8")
