"""Compiled regular expressions kept between runs, as Python keeps bytecode.

cleaner's big patterns (the mojibake pre-check derived from ftfy's, the
rules' whole-text scans and phrase tries) take a few tenths of a second to
compile in every process, nearly all of it in the standard library's
pure-Python parser. What the parser and compiler produce, the regex
engine's program (a list of integers), is kept in a JSON file in the cache
folder, one file per Python version and regex engine version; a later
process gives it straight to the engine's constructor, as ``re.compile``
itself does. A pattern is found by its exact text and flags. Any surprise
(another interpreter, a damaged or unwritable file) means ``re.compile``.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import sys
import tempfile

try:  # Python 3.11+
    from re import _compiler as _sre_compile
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_compile as _sre_compile  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

try:
    import _sre
except ImportError:  # pragma: no cover - not CPython
    _sre = None

# Shorter patterns compile in well under a millisecond: not worth an entry.
MIN_LENGTH = 200
MAX_ENTRIES = 300  # a file that grew this far takes no more (the built-in packs need ~100)

_loaded: dict[str, list] | None = None
_added: dict[str, list] = {}
_owner = os.getpid()  # only the process that loaded the file writes it back


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``; a long pattern's program comes from
    the file kept by earlier runs when it is there."""
    if len(pattern) < MIN_LENGTH or _sre is None or _path() is None:
        return re.compile(pattern, flags)
    key = f"{int(flags)}\x00{pattern}"
    entry = _entries().get(key)
    if entry is not None:
        try:
            final_flags, code, groups, groupindex, indexgroup = entry
            return _sre.compile(pattern, final_flags, code, groups, groupindex, tuple(indexgroup))
        except Exception:  # noqa: BLE001 - an entry this engine does not take: compiled anew
            pass
    try:
        compiled, entry = _compile_keeping_program(pattern, flags)
    except Exception:  # noqa: BLE001 - internals not as expected (or a bad pattern): the public way
        return re.compile(pattern, flags)
    if len(_entries()) + len(_added) < MAX_ENTRIES:
        _added[key] = entry
    return compiled


def _compile_keeping_program(pattern: str, flags: int) -> tuple[re.Pattern[str], list]:
    """What ``re.compile`` does (re._compiler.compile), with its program."""
    parsed = _sre_parse.parse(pattern, flags)
    code = _sre_compile._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    final_flags = flags | parsed.state.flags
    groups = parsed.state.groups - 1
    compiled = _sre.compile(pattern, final_flags, list(code), groups, groupindex, tuple(indexgroup))
    return compiled, [int(final_flags), list(code), groups, groupindex, indexgroup]


@functools.lru_cache(maxsize=1)
def _path() -> str | None:
    if sys.implementation.name != "cpython" or os.environ.get("CLEANER_REGEX_CACHE") == "0":
        return None
    from .cache import default_cache_dir

    tag = f"{sys.implementation.cache_tag}-{_sre.MAGIC}-{_sre.CODESIZE}"
    return str(default_cache_dir() / f"regex-{tag}.json")


def _read(path: str) -> dict[str, list]:
    try:
        with open(path, encoding="utf-8") as handle:
            found = json.load(handle)
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def _entries() -> dict[str, list]:
    global _loaded
    if _loaded is None:
        _loaded = _read(_path())
        atexit.register(save)
    return _loaded


def save() -> None:
    """Write the programs compiled by this process into the file (merged
    with what other processes wrote meanwhile; atomically)."""
    if not _added or os.getpid() != _owner:
        return
    path = _path()
    if path is None:
        return
    entries = _read(path)
    for key, entry in _added.items():
        if len(entries) >= MAX_ENTRIES:
            break
        entries[key] = entry
    _added.clear()
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".regex-", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                # (ASCII escapes: patterns may hold lone surrogates)
                json.dump(entries, out, separators=(",", ":"))
            os.replace(temp, path)
        except BaseException:
            os.unlink(temp)
            raise
    except (OSError, ValueError):
        pass  # a read-only home: every run compiles, as before
