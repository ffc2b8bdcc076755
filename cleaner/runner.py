"""Run the pipeline over many inputs and write the results: the part of
``cleaner clean`` that is not command-line parsing."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .config import DEFAULT, Config
from .document import Document
from .errors import CleanerError
from .files import STDIN, Source, SourceError, atomic_write, in_place_target, read_bytes, unchanged_since
from .cache import CacheReader, content_digest, open_cache, path_key
from .pipeline import clean_bytes


@dataclass
class Mode:
    """Where results go. Exactly one of output_dir / in_place / stdout, or
    none of them for --check and --diff (which write nothing)."""

    output_dir: Path | None = None
    in_place: bool = False
    stdout: bool = False
    write: bool = True  # False under --check / --diff
    diff: bool = False  # --diff: results keep their whole text


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
    if source.path != STDIN and (config.jsonl or _is_large(source, config, mode)):
        from .streaming import clean_in_pieces

        return clean_in_pieces(source, config, mode)
    try:
        data, info = read_bytes(source)
        digest = content_digest(data) if cache is not None and source.path != STDIN else None
        if digest is not None and cache.is_clean(digest):
            result = _cached_result(source, data, digest, mode)
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
    if not mode.write:
        return result
    try:
        _write(result, doc, info, mode)
    except OSError as exc:
        result.status, result.error = "failed", f"cannot write: {exc.strerror or exc}"
    except SourceError as exc:
        result.status, result.error = "failed", str(exc)
    return result


def _is_large(source: Source, config: Config, mode: Mode) -> bool:
    """Inputs over ``stream_threshold`` bytes are cleaned in blocks, except
    for --diff and stdout output, which need the whole text."""
    from .streaming import can_stream_text

    if not config.stream_threshold or mode.diff or mode.stdout or not can_stream_text(config):
        return False
    try:
        return os.path.getsize(source.path) > config.stream_threshold
    except OSError:
        return False


def _stat_key(info: os.stat_result | None) -> tuple | None:
    return (info.st_size, info.st_mtime_ns, info.st_ino) if info is not None else None


def _cached_result(source: Source, data: bytes, digest: str, mode: Mode) -> FileResult:
    """An input the cache knows is clean: its output is its own bytes."""
    result = FileResult(source, "unchanged", digest=digest, cached=True)
    if mode.write and mode.stdout:  # the output is still owed on stdout
        import sys

        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        result.written = STDIN
    elif mode.write and mode.output_dir is not None:
        try:
            target = _target(source, mode)
            if not _holds(target, data):
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write(target, data)
            result.written = str(target)
        except OSError as exc:
            result.status, result.error = "failed", f"cannot write: {exc.strerror or exc}"
        except SourceError as exc:
            result.status, result.error = "failed", str(exc)
    return result


def _target(source: Source, mode: Mode) -> Path:
    target = mode.output_dir / source.relative
    if target.resolve() == Path(source.path).resolve():
        raise SourceError("output would overwrite the input; use --in-place")
    return target


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
        # through a symlink to its target: a link is never replaced by a file
        atomic_write(in_place_target(source.path), data, info.st_mode if info else None)
        result.written = source.path
    elif mode.output_dir is not None:
        target = _target(source, mode)
        if not _holds(target, data):
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data)
        result.written = str(target)


JSONL_GLOBS = ("*.jsonl", "*.jsonl.gz", "*.jsonl.xz", "*.jsonl.bz2", "*.jsonl.zst")


def input_globs(config: Config) -> tuple[str, ...]:
    """Which files a folder walk takes: ``include``, or for --jsonl with the
    default ``include`` the JSONL names (compressed or not)."""
    if config.jsonl and config.include == DEFAULT.include:
        return JSONL_GLOBS
    return config.include


def clean_sources(sources: Iterable[Source], config: Config, mode: Mode, stop=None) -> Iterator[FileResult]:
    """Clean every source, in worker processes when ``config.workers``
    allows, and yield the results in input order. Files known to be clean
    are skipped (cleaner.cache) unless ``config.cache`` is off. Once
    ``stop.requested`` is set, no new input is started and the generator
    ends after reporting the inputs already done."""
    from .parallel import run_ordered

    sources = list(sources)
    cache = open_cache(config) if any(s.path != STDIN for s in sources) else None
    reader = CacheReader(cache.path, cache.fingerprint) if cache is not None else None
    try:
        known = _known_clean(sources, cache, mode)
        results = run_ordered([s for s, hit in zip(sources, known) if not hit], config, mode, reader, stop)
        for source, hit in zip(sources, known):
            if hit:
                if stop is not None and stop.requested:
                    return
                yield FileResult(source, "unchanged", cached=True, size=seen_size(source))
                continue
            result = next(results, None)
            if result is None:  # stopped
                return
            if cache is not None and _cacheable(result):
                cache.add_clean(result.digest, result.path, result.stat_key)
            yield result
    finally:
        if cache is not None:
            cache.close()


def _known_clean(sources: list[Source], cache, mode: Mode) -> list[bool]:
    """Which sources the cache knows are clean by their stat alone (not for
    -o, where the output folder is brought up to date from the bytes)."""
    if cache is None or mode.output_dir is not None or mode.stdout:
        return [False] * len(sources)
    seen = cache.seen_clean()
    known = []
    for source in sources:
        entry = seen.get(path_key(source.path)) if source.path != STDIN else None
        if entry is not None:
            try:
                info = os.stat(source.path)
                entry = entry if _stat_key(info) == entry else None
            except OSError:
                entry = None
        known.append(entry is not None)
    return known


def seen_size(source: Source) -> int | None:
    try:
        return os.path.getsize(source.path)
    except OSError:
        return None


def _cacheable(result: FileResult) -> bool:
    return (result.status == "unchanged" and not result.cached and not result.warnings
            and result.digest is not None)
