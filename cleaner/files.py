"""Finding input files and writing results safely.

Writes are atomic (temp file in the same folder, fsync, ``os.replace``,
permissions kept), so an interrupted run leaves every file either old or
new, never half-written.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from .errors import CleanerError

STDIN = "-"
TEMP_PREFIX = ".cleaner-tmp-"


@dataclass(frozen=True)
class Source:
    """One input: its path (or ``-``) and its path relative to the root it
    was found under (used to mirror the tree with ``-o``)."""

    path: str
    relative: str


class SourceError(CleanerError):
    """A path given on the command line cannot be used."""


def _spec(patterns: tuple[str, ...]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def iter_sources(
    paths: list[str], include: tuple[str, ...], exclude: tuple[str, ...],
    errors: list[tuple[str, str]],
) -> Iterator[Source]:
    """Files named, and files below folders named, that match ``include``
    and not ``exclude``. Hidden folders are skipped, symlinks are not
    followed out of the root, loops are cut. Problems go to ``errors`` as
    (path, message) and the walk goes on."""
    include_spec = _spec(include)
    exclude_spec = _spec(exclude)
    for given in paths:
        if given == STDIN:
            yield Source(STDIN, "stdin")
            continue
        path = Path(given)
        if not os.path.lexists(path):
            errors.append((given, "no such file or folder"))
            continue
        if path.is_dir():
            yield from _walk(path, include_spec, exclude_spec, errors)
        elif path.is_file():
            yield Source(given, path.name)
        else:
            errors.append((given, "not a regular file or folder"))


def _walk(root: Path, include: pathspec.PathSpec, exclude: pathspec.PathSpec,
          errors: list[tuple[str, str]]) -> Iterator[Source]:
    real_root = root.resolve()
    seen: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        errors.append((exc.filename or str(root), f"cannot read folder: {exc.strerror}"))

    for folder, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=False):
        try:
            info = os.stat(folder)
        except OSError:
            continue
        if (info.st_dev, info.st_ino) in seen:
            dirnames[:] = []
            continue
        seen.add((info.st_dev, info.st_ino))
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(TEMP_PREFIX):
                continue
            full = Path(folder) / name
            relative = full.relative_to(root).as_posix()
            if not include.match_file(relative) or exclude.match_file(relative):
                continue
            if full.is_symlink():
                target = full.resolve()
                if not target.is_file() or not target.is_relative_to(real_root):
                    continue  # never follow a link out of the root
            elif not full.is_file():
                continue
            yield Source(str(full), relative)


def read_bytes(source: Source) -> tuple[bytes, os.stat_result | None]:
    import sys

    if source.path == STDIN:
        return sys.stdin.buffer.read(), None
    try:
        with open(source.path, "rb") as handle:
            info = os.fstat(handle.fileno())
            return handle.read(), info
    except PermissionError:
        raise SourceError("permission denied") from None
    except IsADirectoryError:
        raise SourceError("is a folder") from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None


def unchanged_since(path: str, info: os.stat_result | None) -> bool:
    """Whether the file still has the size and mtime it had when read."""
    if info is None:
        return True
    try:
        now = os.stat(path)
    except OSError:
        return False
    return (now.st_size, now.st_mtime_ns) == (info.st_size, info.st_mtime_ns)


def atomic_write(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically; ``mode`` keeps permissions."""
    path = Path(path)
    folder = path.parent
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, stat.S_IMODE(mode))
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def remove_stale_temps(folder: Path) -> None:
    """Delete temp files a killed run left behind in ``folder``."""
    try:
        for entry in os.scandir(folder):
            if entry.name.startswith(TEMP_PREFIX) and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
    except OSError:
        pass
