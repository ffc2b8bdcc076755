"""Finding input files and writing results safely.

Writes are atomic (temp file in the same folder, fsync, ``os.replace``,
permissions kept), so an interrupted run leaves every file either old or
new, never half-written.
"""

from __future__ import annotations

import functools
import os
import re
import stat
import time
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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


COMPRESSED_SUFFIXES = (".gz", ".xz", ".bz2", ".zst")


def compression_of(path: str) -> str | None:
    """The compression a file name says its content has (``.gz``, ``.xz``,
    ``.bz2``, ``.zst``), or None."""
    for suffix in COMPRESSED_SUFFIXES:
        if path.endswith(suffix):
            return suffix
    return None


# --- include / exclude globs --------------------------------------------------
#
# Globs follow .gitignore rules (pathspec). The usual ones, a name pattern
# with only ``*`` and ``?`` wildcards ("*.txt", "drafts"), match when any
# component of the path matches; those are checked here with one regex per
# folder and per name, and pathspec is imported only for the others.

_SIMPLE_GLOB = re.compile(r"[^/\\\[\]!#]([^/\\\[\]]*[^/\\\[\]\s])?")


class _Globs:
    def __init__(self, patterns: tuple[str, ...]):
        patterns = tuple(p for p in patterns if p)
        self.empty = not patterns
        if all(_SIMPLE_GLOB.fullmatch(p) and "**" not in p for p in patterns):
            self.spec = None
            parts = ("".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in p)
                     for p in patterns)
            self.regex = re.compile("(?:" + "|".join(parts) + ")") if patterns else None
        else:
            import pathspec

            self.spec = pathspec.GitIgnoreSpec.from_lines(patterns)
            self.regex = None

    def name(self, name: str) -> bool:
        """Simple globs: whether one path component matches."""
        return self.regex is not None and self.regex.fullmatch(name) is not None

    def match(self, relative: str, folder_matched: bool, name: str, compressed: bool) -> bool:
        """Whether the file at ``relative`` (last component ``name``; a
        folder above it matched already: ``folder_matched``) matches. With
        ``compressed``, ``a.txt.gz`` also matches as ``a.txt``."""
        if self.empty:
            return False
        if self.spec is None:
            if folder_matched or self.regex.fullmatch(name) is not None:
                return True
        elif self.spec.match_file(relative):
            return True
        suffix = compression_of(name) if compressed else None
        if suffix is None:
            return False
        if self.spec is None:
            return self.regex.fullmatch(name[:-len(suffix)]) is not None
        return self.spec.match_file(relative[:-len(suffix)])


def iter_sources(
    paths: list[str], include: tuple[str, ...], exclude: tuple[str, ...],
    errors: list[tuple[str, str]], compressed: bool = False,
    skip_folder: str | os.PathLike | None = None,
) -> Iterator[Source]:
    """Files named, and files below folders named, that match ``include``
    and not ``exclude``. Hidden folders are skipped, symlinks are not
    followed out of the root, loops are cut. Problems go to ``errors`` as
    (path, message) and the walk goes on. With ``compressed``, a compressed
    file (``a.txt.gz``, ``.xz``, ``.bz2``, ``.zst``) is also matched by its
    name without the compression suffix (``*.txt`` takes ``a.txt.gz``).
    ``skip_folder`` (the output folder) is not walked when it lies below a
    folder named: its files are this command's outputs, not inputs. A file
    named twice, or named and found in a folder also named, comes once."""
    found = _named_sources(paths, include, exclude, errors, compressed, skip_folder)
    if len(paths) < 2:
        yield from found  # (one walk meets each file once already)
        return
    seen: set[str] = set()
    for source in found:
        if source.path != STDIN:
            key = os.path.abspath(source.path)
            if key in seen:
                continue
            seen.add(key)
        yield source


def _named_sources(paths, include, exclude, errors, compressed, skip_folder) -> Iterator[Source]:
    include_globs = _Globs(include)
    exclude_globs = _Globs(exclude)
    skip = _identity(os.fspath(skip_folder)) if skip_folder is not None else None
    for given in paths:
        if given == STDIN:
            yield Source(STDIN, "stdin")
            continue
        try:
            info = os.stat(given)
        except OSError:
            info = None
        if info is None:
            if os.path.lexists(given):
                errors.append((given, "not a regular file or folder"))  # a dangling link
            else:
                errors.append((given, "no such file or folder"))
            continue
        if stat.S_ISDIR(info.st_mode):
            yield from _walk(os.fspath(Path(given)), include_globs, exclude_globs, errors, compressed, skip)
        elif stat.S_ISREG(info.st_mode):
            yield Source(given, Path(given).name)
        else:
            errors.append((given, "not a regular file or folder"))


def _walk(root: str, include: _Globs, exclude: _Globs, errors: list[tuple[str, str]],
          compressed: bool, skip: tuple[int, int] | None = None) -> Iterator[Source]:
    """Depth first, names sorted, a folder's files before its subfolders
    (the order of ``os.walk``). One ``scandir`` per folder and no ``stat``
    per regular file: the file type comes from the folder listing. A
    subfolder whose (device, inode) is ``skip`` is left out."""
    real_root = os.path.realpath(root)
    # Paths as ``Path(root) / relative`` spells them ("a.txt" under ".").
    base = "" if root == "." else root if root.endswith(os.sep) else root + os.sep
    seen: set[tuple[int, int]] = set()
    # Inode -> path of the files found, to take a link to one of them only
    # once (the device is looked up only if a link shares an inode number).
    inodes: dict[int, str] = {}
    shared: list[tuple[int, str]] = []  # hard links, or the same number on another device
    links: list[tuple[Source, tuple[int, int]]] = []
    # (folder path, relative prefix, include matched by a folder, exclude matched by a folder)
    stack: list[tuple[str, str, bool, bool]] = [(root, "", False, False)]
    while stack:
        folder, prefix, inc_above, exc_above = stack.pop()
        try:
            info = os.stat(folder)
        except OSError:
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in seen:
            continue
        # (Not the root itself: -o naming the input folder is refused per file.)
        if prefix and identity == skip:
            continue
        seen.add(identity)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_entry_name)
        except OSError as exc:
            errors.append((exc.filename or folder, f"cannot read folder: {exc.strerror}"))
            continue
        subfolders = []
        for entry in entries:
            name = entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not name.startswith(".") and not entry.is_symlink():
                    subfolders.append(entry)
                continue
            if name.startswith(TEMP_PREFIX):
                continue
            relative = prefix + name
            if exclude.empty:
                excluded = False
            else:
                excluded = exclude.match(relative, exc_above, name, compressed)
            if excluded or not include.match(relative, inc_above, name, compressed):
                continue
            try:
                link = entry.is_symlink()
                if not link:
                    if entry.is_file(follow_symlinks=False):
                        path = base + relative
                        if inodes.setdefault(entry.inode(), path) is not path:
                            shared.append((entry.inode(), path))
                        yield Source(path, relative)
                    continue
                file_info = os.stat(entry.path)
            except OSError:
                continue  # a dangling link, or gone since the listing
            if stat.S_ISREG(file_info.st_mode) and _inside(os.path.realpath(entry.path), real_root):
                links.append((Source(base + relative, relative), (file_info.st_dev, file_info.st_ino)))
            # never follow a link out of the root
        for entry in reversed(subfolders):
            name = entry.name
            stack.append((entry.path, prefix + name + "/",
                          inc_above or (include.spec is None and include.name(name)),
                          exc_above or (exclude.spec is None and exclude.name(name))))
    # A link to a file inside the root is taken only if that file was not
    # found on its own: each file is cleaned once, whatever points to it.
    found: set[tuple[int, int]] = set()
    for source, identity in links:
        paths = [inodes[identity[1]]] if identity[1] in inodes else []
        paths += [path for inode, path in shared if inode == identity[1]]
        if identity in found or any(_identity(path) == identity for path in paths):
            continue
        found.add(identity)
        yield source


def _entry_name(entry: os.DirEntry) -> str:
    return entry.name


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


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


# --- compressed files ---------------------------------------------------------
#
# Compression follows the file name (``.gz``, ``.xz``, ``.bz2``: the standard
# library; ``.zst``: the optional zstandard package). Used for compressed text
# inputs here and in cleaner.runner, and for JSONL in cleaner.streaming.


def _zstd():
    try:
        import zstandard
    except ImportError:
        raise SourceError("a .zst file needs the zstandard package (pip install 'cleaner[zstd]')") from None
    return zstandard


def open_input(path: str) -> IO[bytes]:
    """``path`` opened for reading, decompressed as its name says."""
    suffix = compression_of(path)
    if suffix == ".gz":
        import gzip

        return gzip.open(path, "rb")
    if suffix == ".xz":
        import lzma

        return lzma.open(path, "rb")
    if suffix == ".bz2":
        import bz2

        return bz2.open(path, "rb")
    if suffix == ".zst":
        import io

        zstandard = _zstd()
        raw = open(path, "rb")
        try:
            return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=True))
        except BaseException:
            raw.close()
            raise
    return open(path, "rb")


def compressed_writer(path: str, raw: IO[bytes]) -> IO[bytes]:
    """A writer that compresses into ``raw`` as ``path``'s name says (``raw``
    itself for a plain name). Closing it leaves ``raw`` open."""
    suffix = compression_of(path)
    if suffix == ".gz":
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="wb", mtime=0)  # mtime 0: same input, same bytes
    if suffix == ".xz":
        import lzma

        return lzma.LZMAFile(raw, "wb")
    if suffix == ".bz2":
        import bz2

        return bz2.BZ2File(raw, "wb")
    if suffix == ".zst":
        return _zstd().ZstdCompressor().stream_writer(raw, closefd=False)
    return raw


def compress_bytes(data: bytes, path: str) -> bytes:
    """``data`` compressed as ``path``'s name says (unchanged for a plain name)."""
    if compression_of(path) is None:
        return data
    import io

    buffer = io.BytesIO()
    writer = compressed_writer(path, buffer)
    writer.write(data)
    writer.close()
    return buffer.getvalue()


def decompression_errors() -> tuple[type[BaseException], ...]:
    """What a damaged compressed stream raises while being read."""
    import lzma
    import zlib

    errors: tuple[type[BaseException], ...] = (EOFError, lzma.LZMAError, zlib.error)
    try:
        import gzip

        errors += (gzip.BadGzipFile,)
    except AttributeError:  # pragma: no cover
        pass
    try:
        import zstandard

        errors += (zstandard.ZstdError,)
    except ImportError:
        pass
    return errors


def read_decompressed(source: Source, limit: int) -> tuple[bytes | None, os.stat_result]:
    """The decompressed content of a compressed input and the compressed
    file's stat, or (None, stat) when it holds more than ``limit`` bytes:
    at most ``limit`` + 1 bytes are ever held, whatever the file expands to."""
    try:
        info = os.stat(source.path)
        with open_input(source.path) as handle:
            chunks, size = [], 0
            while size <= limit:
                chunk = handle.read(min(1024**2, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
    except PermissionError:
        raise SourceError("permission denied") from None
    except IsADirectoryError:
        raise SourceError("is a folder") from None
    except decompression_errors() as exc:
        raise SourceError(f"cannot decompress: {exc or type(exc).__name__}") from None
    except OSError as exc:
        if exc.errno is None:  # bz2 reports damaged data as an OSError without errno
            raise SourceError(f"cannot decompress: {exc}") from None
        raise SourceError(f"cannot read: {exc.strerror or exc}") from None
    if size > limit:
        return None, info
    return b"".join(chunks), info


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


def new_file_mode() -> int:
    """The mode ``open()`` gives a new file: 0o666 less the umask. Outputs
    are written to temp files, which ``mkstemp`` makes 0600, then renamed:
    without this every output would be readable by its owner alone."""
    return 0o666 & ~_umask()


@functools.cache
def _umask() -> int:
    # The umask can only be read by setting it, and it is process-wide (a
    # file created by another thread in between would get mode 0666), so it
    # is put back at once and read once per process.
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, data: bytes, mode: int | None = None, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically; ``mode`` keeps permissions
    (without it: those of a new file, see :func:`new_file_mode`).
    ``durable``: the data and the rename reach the disk before returning
    (a user's file rewritten in place); without it the file is still
    whole or absent, never half-written, but a power cut may lose it (an
    output that the run makes again). The first write into a folder also
    removes temp files that a killed run left there."""
    path = Path(path)
    folder = path.parent
    _remove_stale_temps_once(folder)
    fd, temp = tempfile.mkstemp(prefix=temp_prefix(), dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(mode) if mode is not None else new_file_mode())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    if not durable:
        return
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
