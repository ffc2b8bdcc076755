"""Run the pipeline over many inputs and write the results: the part of
``cleaner clean`` that is not command-line parsing."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import DEFAULT, Config
from .document import Document
from .errors import CleanerError, InputTooLargeError
from .files import (STDIN, Source, SourceError, atomic_write, compress_bytes, compression_of, in_place_target,
                    read_bytes, read_decompressed, unchanged_since)
from .cache import CacheReader, content_digest, open_cache


def clean_bytes(data: bytes, config: Config | None = None, path: str | None = None) -> Document:
    """:func:`cleaner.pipeline.clean_bytes`, imported on first use: a run
    whose inputs are all known clean never loads the pipeline."""
    from .pipeline import clean_bytes as run

    return run(data, config, path=path)


@dataclass
class Mode:
    """Where results go. Exactly one of output_dir / in_place / stdout, or
    none of them for --check and --diff (which write nothing)."""

    output_dir: Path | None = None
    in_place: bool = False
    stdout: bool = False
    write: bool = True  # False under --check / --diff
    diff: bool = False  # --diff: results keep their whole text
    # --check without a report: the recorded result of a file that would
    # change (its changes and warnings, not its text) may stand for it.
    reuse_results: bool = False
    # Whether the results' texts are read after cleaning (diffs, a report's
    # side-by-side view): without, worker processes send back a document's
    # records only, not its three copies of the text.
    texts: bool = True


@dataclass
class FileResult:
    source: Source
    status: str  # "changed", "unchanged", "failed"
    document: Document | None = None
    error: str | None = None
    written: str | None = None  # where the output went
    warnings: list[str] = field(default_factory=list)
    digest: str | None = None  # content hash, for the cache
    stat_key: tuple | None = None  # (size, mtime_ns, inode) when read, for the cache
    cached: bool = False  # known clean from the cache: not cleaned again
    size: int | None = None  # input bytes (progress: MB/s)

    @property
    def path(self) -> str:
        return self.source.path


def clean_source(source: Source, config: Config, mode: Mode, cache: CacheReader | None = None) -> FileResult:
    """Read, clean and (per ``mode``) write one input. Never raises for bad
    input: the error is in the result. With ``cache``, an input known to be
    clean is not cleaned again."""
    compressed = source.path != STDIN and compression_of(source.path) is not None
    # JSONL is read record by record, from stdin too.
    if config.jsonl or (source.path != STDIN and not compressed and _is_large(source, config, mode)):
        from .streaming import clean_in_pieces

        return clean_in_pieces(source, config, mode)
    try:
        if compressed:
            streams = _can_stream(config, mode)
            data, info = read_decompressed(source, config.stream_threshold if streams else config.max_file_size)
            if data is None and streams:
                from .streaming import clean_in_pieces

                return clean_in_pieces(source, config, mode)
            if data is None:
                raise InputTooLargeError(
                    f"decompressed input is over the {config.max_file_size:,}-byte limit (max_file_size)")
        else:
            data, info = read_bytes(source)
        digest = content_digest(data) if cache is not None and source.path != STDIN else None
        if digest is not None and cache.is_clean(digest):
            result = _cached_result(source, data, digest, mode, info)
            result.size = len(data)
            return result
        doc = clean_bytes(data, config, path=source.path)
    except CleanerError as exc:
        return FileResult(source, "failed", error=str(exc))
    result = FileResult(source, "changed" if doc.changed else "unchanged", doc, digest=digest,
                        stat_key=_stat_key(info), size=len(data))
    result.warnings.extend(doc.warnings)
    if _would_empty(doc) and not config.force:
        result.status, result.error = "failed", (
            "cleaning would leave the file empty although it had text; not written (use --force)"
        )
        return result
    if mode.write:
        _guarded_write(result, lambda: _write(result, doc, info, mode))
    return result


def _guarded_write(result: FileResult, write) -> None:
    """Run ``write``; a failure makes ``result`` failed with its message."""
    try:
        write()
    except OSError as exc:
        result.status, result.error = "failed", f"cannot write: {exc.strerror or exc}"
    except SourceError as exc:
        result.status, result.error = "failed", str(exc)


def _can_stream(config: Config, mode: Mode) -> bool:
    """Whether a large input may be cleaned in blocks: not for --diff and
    stdout output, which need the whole text."""
    from .streaming import can_stream_text

    return bool(config.stream_threshold) and not mode.diff and not mode.stdout and can_stream_text(config)


def _is_large(source: Source, config: Config, mode: Mode) -> bool:
    """Inputs over ``stream_threshold`` bytes are cleaned in blocks (see
    :func:`_can_stream`). A compressed input is measured as it is read."""
    if not _can_stream(config, mode):
        return False
    try:
        return os.path.getsize(source.path) > config.stream_threshold and _starts_as_utf8(source.path)
    except OSError:
        return False


def _starts_as_utf8(path: str) -> bool:
    """Blocks need UTF-8: a large file in another encoding (a legacy
    Vietnamese one, say) is cleaned whole, up to ``max_file_size``."""
    import codecs

    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _stat_key(info: os.stat_result | None) -> tuple | None:
    return (info.st_size, info.st_mtime_ns, info.st_ino) if info is not None else None


def _cached_result(source: Source, data: bytes, digest: str, mode: Mode,
                   info: os.stat_result | None = None) -> FileResult:
    """An input the cache knows is clean: its output is its own bytes."""
    result = FileResult(source, "unchanged", digest=digest, cached=True, stat_key=_stat_key(info))
    if mode.write and mode.stdout:  # the output is still owed on stdout
        import sys

        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        result.written = STDIN
    elif mode.write and mode.output_dir is not None:
        def write() -> None:
            target = _target(source, mode)
            _write_output(target, _unchanged_output(source, data))
            result.written = str(target)

        _guarded_write(result, write)
    return result


def _target(source: Source, mode: Mode) -> Path:
    target = mode.output_dir / source.relative
    # (a target that does not exist is not the input: one stat per new output)
    if target.exists() and target.resolve() == Path(source.path).resolve():
        raise SourceError("output would overwrite the input; use --in-place")
    return target


def _unchanged_output(source: Source, data: bytes) -> bytes:
    """The output of an input that comes out unchanged: its own bytes (a
    compressed file is copied as it is, not compressed again)."""
    if compression_of(source.path) is None:
        return data
    try:
        with open(source.path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None


def _write_output(target: Path, data: bytes) -> None:
    if not _holds(target, data):
        target.parent.mkdir(parents=True, exist_ok=True)
        # A new output, not a user's file: no fsync (thousands of them
        # would cost more than the cleaning on a slow disk).
        atomic_write(target, data, durable=False)


def _holds(target: Path, data: bytes) -> bool:
    """Whether ``target`` already has exactly ``data`` (then it is not
    rewritten: re-runs do not touch up-to-date outputs)."""
    try:
        if target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False


def _would_empty(doc: Document) -> bool:
    return not doc.text.strip() and any(ch.isalpha() for ch in (doc.decoded_text or ""))


def _write(result: FileResult, doc: Document, info: os.stat_result | None, mode: Mode) -> None:
    """Write the output. A compressed input's output (in place or in the
    output folder) is compressed the same way; stdout gets plain text."""
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
        data = compress_bytes(data, source.path)
        if not unchanged_since(source.path, info):
            raise SourceError("changed on disk while being cleaned; not overwritten")
        # through a symlink to its target: a link is never replaced by a file
        atomic_write(in_place_target(source.path), data, info.st_mode if info else None)
        result.written = source.path
    elif mode.output_dir is not None:
        target = _target(source, mode)
        data = compress_bytes(data, source.path) if doc.changed else _unchanged_output(source, data)
        _write_output(target, data)
        result.written = str(target)


JSONL_GLOBS = ("*.jsonl", "*.jsonl.gz", "*.jsonl.xz", "*.jsonl.bz2", "*.jsonl.zst")


def input_globs(config: Config) -> tuple[str, ...]:
    """Which files a folder walk takes: ``include``, or for --jsonl with the
    default ``include`` the JSONL names (compressed or not)."""
    if config.jsonl and config.include == DEFAULT.include:
        return JSONL_GLOBS
    return config.include


class OutputCollisionError(CleanerError):
    """Two inputs would be written to the same path in the output folder."""


def output_collision(sources: list[Source], output_dir: Path) -> str | None:
    """A message naming the first two inputs that ``-o output_dir`` would
    write to the same path (the later would silently replace the earlier),
    or None. Outputs keep their input's name, so a compressed or JSONL
    input counts by that name too. One file reached twice (named twice, or
    through a link) is not a collision: both writes hold the same bytes."""
    output = os.fspath(output_dir)
    first: dict[str, Source] = {}
    for source in sources:
        if source.path == STDIN:
            continue  # stdin's output goes to stdout
        earlier = first.setdefault(os.path.join(output, source.relative), source)
        if earlier is not source and not _same_file(earlier.path, source.path):
            return f"{earlier.path} and {source.path} would both be written to {output_dir / source.relative}"
    return None


def _same_file(one: str, other: str) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False


def clean_sources(sources: Iterable[Source], config: Config, mode: Mode, stop=None) -> Iterator[FileResult]:
    """Clean every source, in worker processes when ``config.workers``
    allows, and yield the results in input order. Files known to be clean
    are skipped (cleaner.cache) unless ``config.cache`` is off. Once
    ``stop.requested`` is set, no new input is started and the generator
    ends after reporting the inputs already done."""
    run = CleanRun(sources, config, mode)
    try:
        yield from run.results(stop)
    finally:
        run.close()


class CleanRun:
    """One run over ``sources``: the cache is opened and the files it knows
    are clean by their stat alone are found first (one query, one ``stat``
    per file, nothing read), so the caller knows whether anything is left
    to clean (:attr:`to_clean`) before :meth:`results` cleans it."""

    def __init__(self, sources: Iterable[Source], config: Config, mode: Mode):
        self.sources = list(sources)
        self.config, self.mode = config, mode
        if mode.write and mode.output_dir is not None:
            # before the cache is opened or anything is written
            collision = output_collision(self.sources, mode.output_dir)
            if collision is not None:
                raise OutputCollisionError(collision)
        self.cache = open_cache(config) if any(s.path != STDIN for s in self.sources) else None
        try:
            # per source: its size (known clean), its recorded result, or None
            self.known = _known(self.sources, self.cache, mode)
        except BaseException:
            self.close()
            raise
        self.to_clean = sum(entry is None for entry in self.known)

    def results(self, stop=None, on_done=None) -> Iterator[FileResult]:
        """The results, in order; ``on_done(results)`` hears of finished
        ones as they finish (see :func:`cleaner.parallel.run_ordered`)."""
        cache = self.cache
        reader = CacheReader(cache.path, cache.fingerprint) if cache is not None else None
        results: Iterator[FileResult] = iter(())
        if self.to_clean:
            from .parallel import run_ordered

            results = run_ordered([s for s, entry in zip(self.sources, self.known) if entry is None],
                                  self.config, self.mode, reader, stop, on_done)
        for source, entry in zip(self.sources, self.known):
            if entry is not None:
                if stop is not None and stop.requested:
                    return
                known = FileResult(source, "unchanged", cached=True, size=entry) if type(entry) is int else entry
                if on_done is not None:
                    on_done([known])
                yield known
                continue
            result = next(results, None)
            if result is None:  # stopped
                return
            if cache is not None:
                if _cacheable(result):
                    cache.add_clean(result.digest, result.path, result.stat_key)
                elif self.mode.reuse_results and (record := result_record(result)) is not None:
                    cache.add_result(result.path, result.stat_key, record)
            yield result

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
            self.cache = None


def _known(sources: list[Source], cache, mode: Mode) -> list:
    """For each source: its size if the cache knows it is clean by its stat
    alone; with ``mode.reuse_results``, the result recorded for it as it is;
    else None. Never for -o, where the output folder is brought up to date
    from the bytes, nor for stdout output. One query loads the entries below
    the inputs' folders; then it is one ``stat`` per file."""
    known: list = [None] * len(sources)
    if cache is None or mode.output_dir is not None or mode.stdout:
        return known
    keys = _absolute_paths(sources)
    roots = sorted({key[:-len(source.relative)] if key.endswith(os.sep + source.relative)
                    else os.path.dirname(key) for source, key in zip(sources, keys) if key is not None})
    seen = cache.seen_clean(roots) if roots else {}
    recorded = cache.seen_results(roots) if roots and mode.reuse_results and not mode.write else {}
    if not seen and not recorded:
        return known
    stat, get = os.stat, seen.get
    encoding = sys.getfilesystemencoding()
    for index, (source, key) in enumerate(zip(sources, keys)):
        if key is None:
            continue
        key = key.encode(encoding, "surrogateescape")
        entry = get(key)
        record = recorded.get(key) if recorded and entry is None else None
        if entry is None and record is None:
            continue
        try:
            info = stat(source.path)
        except OSError:
            continue
        stat_key = (info.st_size, info.st_mtime_ns, info.st_ino)
        if stat_key == entry:
            known[index] = info.st_size
        elif record is not None and stat_key == record[0]:
            known[index] = result_from_record(source, record[1], info.st_size)
    return known


def result_record(result: FileResult) -> str | None:
    """What --check needs of a result that is not simply "clean" (it would
    change, or has warnings or change records), as JSON; None if it should
    not be recorded."""
    doc = result.document
    if (doc is None or result.error or result.stat_key is None or result.status not in ("changed", "unchanged")
            or (result.status == "unchanged" and not result.warnings and not doc.changes)):
        return None
    import json
    from dataclasses import asdict

    record = json.dumps({"status": result.status, "encoding": doc.encoding, "confidence": doc.confidence,
                         "method": doc.method, "warnings": list(result.warnings),
                         "changes": [asdict(change) for change in doc.changes]})
    return record if len(record) <= MAX_RECORD_CHARS else None


MAX_RECORD_CHARS = 1024**2


def result_from_record(source: Source, record: str, size: int) -> FileResult | None:
    import json

    from .document import Change

    try:
        data = json.loads(record)
        doc = Document(path=source.path, encoding=data["encoding"], confidence=data["confidence"],
                       method=data["method"], changes=[Change(**change) for change in data["changes"]],
                       warnings=list(data["warnings"]))
        result = FileResult(source, data["status"], doc, cached=True, size=size)
    except (ValueError, TypeError, KeyError):
        return None  # not readable by this version: cleaned again
    result.warnings.extend(doc.warnings)
    return result


def _absolute_paths(sources: list[Source]) -> list[str | None]:
    """``os.path.abspath`` of each source (None for stdin), computed once per
    folder: a source found below a root is the root's path plus its
    relative path, whose parts are plain names."""
    roots: dict[str, str] = {}
    keys: list[str | None] = []
    for source in sources:
        path, relative = source.path, source.relative
        if path == STDIN:
            keys.append(None)
            continue
        if relative and path.endswith(relative) and not relative.startswith("/"):
            prefix = path[:-len(relative)]
            if not prefix or prefix.endswith(os.sep):
                root = roots.get(prefix)
                if root is None:
                    root = roots[prefix] = os.path.join(os.path.abspath(prefix), "")
                keys.append(root + relative)
                continue
        keys.append(os.path.abspath(path))
    return keys


def seen_size(source: Source) -> int | None:
    try:
        return os.path.getsize(source.path)
    except OSError:
        return None


def _cacheable(result: FileResult) -> bool:
    """Clean and worth recording: cleaned (or found clean by its hash, then
    where it was seen is recorded)."""
    return (result.status == "unchanged" and not result.warnings and result.digest is not None
            and (result.document is None or not result.document.changes)  # e.g. unresolved lossy damage
            and (not result.cached or result.stat_key is not None))
