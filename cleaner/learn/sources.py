"""The documents to learn from, each with the site it belongs to.

A site is the top folder under the path given (default), the first group of
``--site-pattern`` matched against the path, or for JSONL input a field of
each record (a URL's host name, or the value itself, such as a domain).
"""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..files import iter_sources

JSONL_INCLUDE = ("*.jsonl", "*.jsonl.gz", "*.jsonl.xz", "*.jsonl.bz2", "*.json")
_OPENERS = {".gz": gzip.open, ".xz": lzma.open, ".bz2": bz2.open}


@dataclass(frozen=True)
class Item:
    """One document: its site, a name for messages, and either the path of
    a file to read (``text`` None) or the text itself (JSONL)."""

    site: str
    name: str
    path: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class SiteRule:
    """How documents are grouped into sites."""

    pattern: re.Pattern | None = None  # --site-pattern
    field: str | None = None  # --site-field (JSONL)
    text_field: str = "text"

    def from_path(self, path: str, relative: str, given: str) -> str:
        if self.pattern is not None:
            match = self.pattern.search(Path(path).as_posix())
            if not match:
                return ""
            return (match.group(1) if match.groups() else match.group(0)) or ""
        parts = Path(relative).parts
        if len(parts) > 1:
            return parts[0]
        parent = Path(path).parent if Path(given).is_file() else Path(given)
        return parent.resolve().name


def site_of_value(value: object) -> str:
    """A record's site: the host of a URL (without ``www.``), else the value."""
    if not isinstance(value, str) or not value.strip():
        return ""
    value = value.strip()
    if "://" in value or value.startswith("//"):
        host = urlsplit(value if "://" in value else "http:" + value).hostname or ""
    else:
        host = value.split("/", 1)[0] if "." in value.split("/", 1)[0] else value
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def iter_files(paths: list[str], rule: SiteRule, include: tuple[str, ...],
               exclude: tuple[str, ...], errors: list[tuple[str, str]]) -> Iterator[Item]:
    for given in paths:
        for source in iter_sources([given], include, exclude, errors):
            yield Item(rule.from_path(source.path, source.relative, given), source.path, path=source.path)


def _open_text(path: str):
    opener = _OPENERS.get(Path(path).suffix, open)
    return opener(path, "rt", encoding="utf-8", errors="replace")


def iter_jsonl(paths: list[str], rule: SiteRule, exclude: tuple[str, ...],
               errors: list[tuple[str, str]]) -> Iterator[Item]:
    """Records of JSONL files (plain or .gz/.xz/.bz2), read line by line."""
    for given in paths:
        for source in iter_sources([given], JSONL_INCLUDE, exclude, errors):
            try:
                with _open_text(source.path) as handle:
                    for number, line in enumerate(handle, 1):
                        if not line.strip():
                            continue
                        name = f"{source.path}:{number}"
                        try:
                            record = json.loads(line)
                        except json.JSONDecodeError as exc:
                            errors.append((name, f"not JSON: {exc.msg}"))
                            continue
                        except RecursionError:
                            errors.append((name, "JSON nested too deeply to read"))
                            continue
                        if not isinstance(record, dict) or not isinstance(record.get(rule.text_field), str):
                            errors.append((name, f"no text field '{rule.text_field}'"))
                            continue
                        if rule.field:
                            site = site_of_value(record.get(rule.field))
                        else:
                            site = rule.from_path(source.path, source.relative, given)
                        yield Item(site, name, text=record[rule.text_field])
            except OSError as exc:
                errors.append((source.path, f"cannot read: {exc.strerror or exc}"))
