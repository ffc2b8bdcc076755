"""Line keys: the form of a line that stays the same across a site's pages.

Case is folded, spaces collapsed, and the parts that change from page to
page (dates, times, weekdays, counters) become placeholders, so
``Thứ hai, 21/08/2020 10:19 | Lượt xem: 1447`` and
``Thứ ba, 22/08/2020 08:05 | Lượt xem: 12`` share one key. Every key can
be turned back into a regular expression that matches the raw lines it
came from (:func:`key_regex`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

DATE, TIME, NUM, DOW = "\x01date\x01", "\x01time\x01", "\x01num\x01", "\x01dow\x01"

_WEEKDAYS = (
    r"th[ứu]\s+(?:hai|ba|t[ưu]|n[ăa]m|s[áa]u|b[ảa]y|\d)|ch[ủu]\s+nh[ậa]t|cn"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|mon|tue|wed|thu|fri|sat|sun"
)
# Placeholder -> the pattern of what it replaced. The same patterns find the
# parts when a key is made, so a key's regex matches its own lines.
PATTERNS = {
    DATE: r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}",
    TIME: r"\d{1,2}(?::\d{2}){1,2}(?:\s*(?:am|pm|sa|ch))?|\d{1,2}h\d{2}",
    DOW: r"(?:" + _WEEKDAYS + r")",
    NUM: r"\d+(?:[.,]\d{3})*(?:[.,]\d+)?",
}
_FIND = [
    (DATE, re.compile(r"(?<![\w.,/\-])" + PATTERNS[DATE] + r"(?![\w/\-])")),
    (TIME, re.compile(r"(?<![\w:])(?:" + PATTERNS[TIME] + r")(?![\w:])")),
    (DOW, re.compile(r"(?<!\w)" + PATTERNS[DOW] + r"(?!\w)")),
    (NUM, re.compile(PATTERNS[NUM])),
]
_DIGIT = re.compile(r"\d")
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_PLACEHOLDER = re.compile("(" + "|".join(re.escape(p) for p in PATTERNS) + ")")


def line_key(line: str) -> str:
    """The page-independent form of ``line`` ("" for an empty line)."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", line)).strip().lower()
    if not text:
        return ""
    has_digits = _DIGIT.search(text) is not None
    for placeholder, pattern in _FIND:
        if has_digits or placeholder == DOW:
            text = pattern.sub(placeholder, text)
    return text


PREFIX_MARK = "\x02"  # starts the key of a line's label part (see prefix_key)
# What ends a label: "Từ khóa: ...", "Trang chủ » ...", "Tin liên quan | ...".
_LABEL_END = re.compile(r"\s*(?:[:|»›>/–—]|\s-\s)")
MAX_LABEL_WORDS = 5


def prefix_key(key: str) -> str:
    """The key of a line's label part (``từ khóa:`` of ``Từ khóa: a, b``)
    when the line has one followed by more text, else "". A site's label
    over text that changes per page (tags, breadcrumbs, "see also" links)
    is learned through it."""
    found = _LABEL_END.search(key)
    if not found or not key[found.end():].strip():
        return ""
    label = key[:found.start()]
    if not label or len(label.split()) > MAX_LABEL_WORDS or not has_letters(label):
        return ""
    return PREFIX_MARK + key[:found.end()].strip()


def key_hash(key: str) -> int:
    """A stable 64-bit id of a key (the same in every worker process)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def key_regex(key: str) -> str:
    """A whole-line regex for the lines with this key: placeholders become
    their patterns, spaces any run of spaces. Case is left to the rule
    engine (rules match case- and diacritic-insensitively by default).
    A prefix key matches its label followed by anything."""
    if key.startswith(PREFIX_MARK):
        return _pattern(key[1:]) + r"\s*\S.*$"
    return _pattern(key) + r"\s*$"


def _pattern(key: str) -> str:
    parts = []
    for piece in _PLACEHOLDER.split(key):
        if piece in PATTERNS:
            parts.append("(?:" + PATTERNS[piece] + ")")
        else:
            parts.append(r"\s+".join(re.escape(word) for word in piece.split(" ")))
    return r"^\s*" + "".join(parts)


def readable(key: str) -> str:
    """The key with placeholders shown as <date>, <time>, <num>, <dow>
    (a prefix key ends with "…")."""
    if key.startswith(PREFIX_MARK):
        return readable(key[1:]) + " …"
    return _PLACEHOLDER.sub(lambda m: "<" + m.group(1).strip("\x01") + ">", key)


def has_placeholders(key: str) -> bool:
    return _PLACEHOLDER.search(key) is not None


def has_letters(key: str) -> bool:
    return any(c.isalpha() for c in _PLACEHOLDER.sub("", key))
