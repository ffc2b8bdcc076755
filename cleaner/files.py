"""Finding input files and writing results safely.

Writes are atomic (temp file in the same folder, fsync, ``os.replace``,
permissions kept), so an interrupted run leaves every file either old or
new, never half-written.
"""

from __future__ import annotations

import os
import re
import stat
import time
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from .errors import CleanerError

STDIN = "-"
TEMP_PREFIX = ".cleaner-tmp-"
# A temp file whose writer is gone is left over from a killed run. Writers
# are known by the pid in the name; without one (or on another machine
# sharing the folder) a day-old temp file is taken as left over.
STALE_TEMP_AGE = 24 * 3600
_TEMP_PID = re.compile(re.escape(TEMP_PREFIX) + r"(\d+)-")


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

    files_seen: set[tuple[int, int]] = set()
    links: list[tuple[Source, tuple[int, int]]] = []
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
            try:
                file_info = os.stat(full)
            except OSError:
                continue  # a dangling link, or gone since the listing
            if not stat.S_ISREG(file_info.st_mode):
                continue
            identity = (file_info.st_dev, file_info.st_ino)
            if full.is_symlink():
                if Path(os.path.realpath(full)).is_relative_to(real_root):
                    links.append((Source(str(full), relative), identity))
                continue  # never follow a link out of the root
            files_seen.add(identity)
            yield Source(str(full), relative)
    # A link to a file inside the root is taken only if that file was not
    # found on its own: each file is cleaned once, whatever points to it.
    for source, identity in links:
        if identity not in files_seen:
            files_seen.add(identity)
            yield source


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


def temp_prefix() -> str:
    """Name prefix for this process's temp files (see remove_stale_temps)."""
    return f"{TEMP_PREFIX}{os.getpid()}-"


def in_place_target(path: str | Path) -> Path:
    """Where an in-place write of ``path`` goes: through a symlink to its
    target, so that a link is never replaced by a regular file."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def atomic_write(path: str | Path, data: bytes, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` atomically; ``mode`` keeps permissions.
    The first write into a folder also removes temp files that a killed run
    left there."""
    path = Path(path)
    folder = path.parent
    _remove_stale_temps_once(folder)
    fd, temp = tempfile.mkstemp(prefix=temp_prefix(), dir=folder)
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


_swept_folders: set[str] = set()


def _remove_stale_temps_once(folder: Path) -> None:
    key = os.path.abspath(folder)
    if key not in _swept_folders:
        _swept_folders.add(key)
        remove_stale_temps(folder)


def remove_stale_temps(folder: str | Path) -> list[str]:
    """Delete temp files that a killed run left in ``folder`` (never those
    of a run still going); returns their names."""
    removed = []
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(TEMP_PREFIX)]
    except OSError:
        return removed
    for entry in entries:
        try:
            if entry.is_file(follow_symlinks=False) and _is_stale(entry):
                os.unlink(entry.path)
                removed.append(entry.name)
        except OSError:
            pass
    return removed


def _is_stale(entry: os.DirEntry) -> bool:
    match = _TEMP_PID.match(entry.name)
    if match and not _process_alive(int(match.group(1))):
        return True
    return time.time() - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_AGE


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process, or a pid we cannot test
    # A killed worker whose parent died too may linger as a zombie (when
    # nothing reaps orphans, as in some containers): it writes nothing.
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in (b"Z", b"X")
