"""Remember which inputs are already clean, so re-runs skip them.

An entry says "these exact bytes come out unchanged under this
configuration and this code". It is keyed by the content's BLAKE2 hash
and its size, plus a fingerprint of the configuration (``Config.cache_key``),
of the cleaner code and data files (path, size, mtime), of ftfy's version
and of any file a config option names (rule files, a model). A file whose
content changed has another hash, and any config or code change gives
another fingerprint, so the cache can only skip work, never change a
result. Only unchanged files without warnings are recorded: changed files
are always cleaned again (their report needs the changes).

For --check, --in-place and --diff, a file whose path, size, mtime and
inode match a recorded clean file is skipped without being read (unless
it was recorded within 2 s of its mtime); with -o, files are read and
hashed (the output folder must be brought up to date anyway).

The entries live in one SQLite file, by default
``$XDG_CACHE_HOME/cleaner/cache.sqlite3`` (``~/.cache/cleaner``); the
``cache_dir`` option or ``--cache-dir`` moves it, ``--no-cache`` bypasses
it and ``cleaner cache clear`` empties it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from functools import lru_cache
from pathlib import Path

from .config import Config

CACHE_FILE = "cache.sqlite3"
RACY_NS = 2_000_000_000  # entries recorded within 2 s of the file's mtime are not trusted by stat alone


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleaner"


def cache_dir(config: Config) -> Path:
    return Path(config.cache_dir).expanduser() if config.cache_dir else default_cache_dir()


def path_key(path: str) -> bytes:
    """A file's absolute path as bytes: names need not be valid UTF-8."""
    return os.fsencode(os.path.abspath(path))


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest() + f"-{len(data)}"


# Besides cleaner itself, the packages whose version can change an output.
# They are fingerprinted by their files' sizes and mtimes, found without
# importing them (a re-run with nothing to clean never imports them).
FINGERPRINTED_PACKAGES = ("ftfy", "chardet")


def _tree_stats(root: str, digest) -> None:
    """Feed ``digest`` the relative path, size and mtime of every file below
    ``root`` (sorted; compiled ``.pyc`` files and ``__pycache__`` left out)."""
    entries = []
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    if entry.is_dir(follow_symlinks=False):
                        if entry.name != "__pycache__":
                            stack.append((entry.path, prefix + entry.name + "/"))
                    elif not entry.name.endswith(".pyc") and entry.is_file():
                        info = entry.stat()
                        entries.append(f"{prefix}{entry.name}:{info.st_size}:{info.st_mtime_ns}\n")
        except OSError:
            entries.append(f"{prefix}?\n")
    for line in sorted(entries):
        digest.update(line.encode("utf-8", "surrogateescape"))


def _package_folder(name: str) -> str | None:
    from importlib.util import find_spec

    try:
        spec = find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    return spec.origin


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Changes whenever the installed cleaner code or data, ftfy or chardet does."""
    from . import __version__

    digest = hashlib.blake2b(f"{__version__}\n".encode(), digest_size=16)
    _tree_stats(os.path.dirname(os.path.abspath(__file__)), digest)
    for name in FINGERPRINTED_PACKAGES:
        folder = _package_folder(name)
        digest.update(f"{name}:{folder}\n".encode("utf-8", "surrogateescape"))
        if folder is not None and os.path.isdir(folder):
            _tree_stats(folder, digest)
        elif folder is not None:
            try:
                info = os.stat(folder)
                digest.update(f"{info.st_size}:{info.st_mtime_ns}\n".encode())
            except OSError:
                pass
    return digest.hexdigest()


def _named_files(config: Config) -> str:
    """Size and mtime of every file a string option names (rule files, a
    model, the rule files of a [sites."…"] section): editing one of them
    invalidates the entries."""
    parts = []
    for item in _option_strings(config):
        if len(item) < 4096 and os.path.isfile(item):
            info = os.stat(item)
            parts.append(f"{os.path.abspath(item)}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts)


def _option_strings(config: Config):
    for value in vars(config).values():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, str):
                yield item
    for site in config.sites:  # (each a JSON table: its own "rules" list)
        try:
            names = json.loads(site).get("rules") or ()
        except (ValueError, AttributeError):
            continue
        yield from (name for name in names if isinstance(name, str))


def fingerprint(config: Config) -> str:
    blob = f"{config.cache_key()}\n{_code_fingerprint()}\n{_named_files(config)}"
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


class CleanCache:
    """The set of (fingerprint, content digest) pairs known to be clean.

    Used from the main process only; additions are committed in batches
    and at :meth:`close`.
    """

    def __init__(self, folder: Path, config: Config):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / CACHE_FILE
        self.fingerprint = fingerprint(config)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS clean (fingerprint TEXT, digest TEXT, "
            "PRIMARY KEY (fingerprint, digest)) WITHOUT ROWID"
        )
        # Where each clean file was seen: lets a re-run skip even reading it.
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen (fingerprint TEXT, path TEXT, size INTEGER, "
            "mtime_ns INTEGER, inode INTEGER, recorded_ns INTEGER, "
            "PRIMARY KEY (fingerprint, path)) WITHOUT ROWID"
        )
        # --check only: the result (status, changes, warnings) of a file that
        # would change, where it was seen, so a re-check need not clean it again.
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS seen_result (fingerprint TEXT, path TEXT, size INTEGER, "
            "mtime_ns INTEGER, inode INTEGER, recorded_ns INTEGER, result TEXT, "
            "PRIMARY KEY (fingerprint, path)) WITHOUT ROWID"
        )
        self._pending = 0

    def is_clean(self, digest: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM clean WHERE fingerprint = ? AND digest = ?", (self.fingerprint, digest)
        ).fetchone()
        return row is not None

    def add_clean(self, digest: str, path: str | None = None, stat_key: tuple | None = None) -> None:
        try:
            self._db.execute("INSERT OR IGNORE INTO clean VALUES (?, ?)", (self.fingerprint, digest))
            if path is not None and stat_key is not None:
                key = path_key(path)
                self._db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?, ?)",
                                 (self.fingerprint, key, *stat_key, time.time_ns()))
                self._db.execute("DELETE FROM seen_result WHERE fingerprint = ? AND path = ?",
                                 (self.fingerprint, key))
        except sqlite3.Error:
            return  # a cache that cannot be written only costs speed
        self._added()

    def add_result(self, path: str, stat_key: tuple, result: str) -> None:
        """Record the result of cleaning the file at ``path`` as it was when
        read (``stat_key``: size, mtime_ns, inode), for --check re-runs."""
        try:
            key = path_key(path)
            self._db.execute("INSERT OR REPLACE INTO seen_result VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (self.fingerprint, key, *stat_key, time.time_ns(), result))
            self._db.execute("DELETE FROM seen WHERE fingerprint = ? AND path = ?", (self.fingerprint, key))
        except sqlite3.Error:
            return
        self._added()

    def _added(self) -> None:
        self._pending += 1
        if self._pending >= 1000:
            try:
                self._db.commit()
            except sqlite3.Error:
                pass
            self._pending = 0

    def seen_clean(self, folders: list[str] | None = None) -> dict[bytes, tuple[int, int, int]]:
        """abspath -> (size, mtime_ns, inode) of files recorded clean, only
        those whose mtime was well before the recording: a file changed
        within the same clock tick as its recording could look unchanged
        ("racy" entries, as git calls them), so it is hashed again.

        With ``folders`` (absolute paths), only the entries below them are
        loaded: one range query on the (fingerprint, path) key each."""
        rows = self._seen_rows("SELECT path, size, mtime_ns, inode FROM seen", folders)
        return {bytes(path): (size, mtime, inode) for path, size, mtime, inode in rows}

    def seen_results(self, folders: list[str] | None = None) -> dict[bytes, tuple[tuple[int, int, int], str]]:
        """abspath -> ((size, mtime_ns, inode), result) of the files whose
        result was recorded (:meth:`add_result`), with the same rules as
        :meth:`seen_clean`."""
        rows = self._seen_rows("SELECT path, size, mtime_ns, inode, result FROM seen_result", folders)
        return {bytes(path): ((size, mtime, inode), result) for path, size, mtime, inode, result in rows}

    def _seen_rows(self, select: str, folders: list[str] | None) -> list[tuple]:
        query = select + " WHERE fingerprint = ? AND mtime_ns < recorded_ns - ?"
        try:
            if folders is None:
                return self._db.execute(query, (self.fingerprint, RACY_NS)).fetchall()
            rows: list[tuple] = []
            for low, high in _path_ranges(folders):
                rows += self._db.execute(query + " AND path >= ? AND path < ?",
                                         (self.fingerprint, RACY_NS, low, high)).fetchall()
            return rows
        except sqlite3.Error:
            return []

    def close(self) -> None:
        try:
            self._db.commit()
        except sqlite3.Error:
            pass
        finally:
            self._db.close()


def _path_ranges(folders: list[str]) -> list[tuple[bytes, bytes]]:
    """[low, high) ranges of path keys covering every path below each folder
    (nested folders are covered by their parent's range)."""
    prefixes = sorted({os.fsencode(os.path.join(os.path.abspath(f), "")) for f in folders})
    ranges: list[tuple[bytes, bytes]] = []
    for prefix in prefixes:
        if ranges and prefix.startswith(ranges[-1][0]):
            continue
        ranges.append((prefix, prefix[:-1] + bytes([prefix[-1] + 1])))
    return ranges


class CacheReader:
    """Read-only look-ups from worker processes: only the file name and the
    fingerprint are pickled; each process opens its own connection."""

    _connections: dict[str, sqlite3.Connection] = {}

    def __init__(self, path: Path, fingerprint: str):
        self.path = str(path)
        self.fingerprint = fingerprint

    def is_clean(self, digest: str) -> bool:
        try:
            db = self._connections.get(self.path)
            if db is None:
                db = self._connections[self.path] = sqlite3.connect(self.path, timeout=30)
            row = db.execute("SELECT 1 FROM clean WHERE fingerprint = ? AND digest = ?",
                             (self.fingerprint, digest)).fetchone()
        except sqlite3.Error:
            return False  # a broken cache only costs speed
        return row is not None


def open_cache(config: Config) -> CleanCache | None:
    """The cache for this run, or None when disabled or unusable (a cache
    that cannot be opened only costs speed)."""
    if not config.cache:
        return None
    try:
        return CleanCache(cache_dir(config), config)
    except (OSError, sqlite3.Error):
        return None


def clear(folder: Path) -> int:
    """Remove the cache files in ``folder`` (and the compiled patterns kept
    there, cleaner.regex_cache); returns how many were removed."""
    removed = 0
    names = [CACHE_FILE, CACHE_FILE + "-wal", CACHE_FILE + "-shm"]
    if folder.is_dir():
        names += sorted(path.name for path in folder.glob("regex-*.json"))
    for name in names:
        try:
            (folder / name).unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed
