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


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Changes whenever the installed cleaner code or data, or ftfy, does."""
    import ftfy

    from . import __version__

    digest = hashlib.blake2b(f"{__version__} ftfy {ftfy.__version__}".encode(), digest_size=16)
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.suffix in (".pyc",) or "__pycache__" in path.parts or not path.is_file():
            continue
        info = path.stat()
        digest.update(f"{path.relative_to(package)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _named_files(config: Config) -> str:
    """Size and mtime of every file a string option names (rule files, a
    model): editing one of them invalidates the entries."""
    parts = []
    for value in vars(config).values():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, str) and len(item) < 4096 and os.path.isfile(item):
                info = os.stat(item)
                parts.append(f"{os.path.abspath(item)}:{info.st_size}:{info.st_mtime_ns}")
    return "\n".join(parts)


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
                self._db.execute("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?, ?)",
                                 (self.fingerprint, path_key(path), *stat_key, time.time_ns()))
        except sqlite3.Error:
            return  # a cache that cannot be written only costs speed
        self._pending += 1
        if self._pending >= 1000:
            self._db.commit()
            self._pending = 0

    def seen_clean(self) -> dict[bytes, tuple[int, int, int]]:
        """abspath -> (size, mtime_ns, inode) of files recorded clean, only
        those whose mtime was well before the recording: a file changed
        within the same clock tick as its recording could look unchanged
        ("racy" entries, as git calls them), so it is hashed again."""
        try:
            rows = self._db.execute(
                "SELECT path, size, mtime_ns, inode FROM seen WHERE fingerprint = ? AND mtime_ns < recorded_ns - ?",
                (self.fingerprint, RACY_NS),
            ).fetchall()
        except sqlite3.Error:
            return {}
        return {path: (size, mtime, inode) for path, size, mtime, inode in rows}

    def close(self) -> None:
        try:
            self._db.commit()
        except sqlite3.Error:
            pass
        finally:
            self._db.close()


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
    """Remove the cache files in ``folder``; returns how many were removed."""
    removed = 0
    for name in (CACHE_FILE, CACHE_FILE + "-wal", CACHE_FILE + "-shm"):
        try:
            (folder / name).unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed
