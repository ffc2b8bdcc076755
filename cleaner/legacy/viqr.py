"""VIQR (RFC 1456): Vietnamese in ASCII, a base letter followed by a shape
mark (``^ ( +``) and a tone mark (``' ` ? ~ .``); ``dd`` is đ.

A mark after a vowel is ambiguous with punctuation (``ddi.`` is "đi." or
"đị"). Inside a word the mark is a diacritic; at the end of a word it is
read as the more frequent syllable, unless the text uses RFC escapes
(``\\.``), which make every unescaped mark a diacritic. A word that does
not decode to a Vietnamese syllable (``O'Neil``, ``google.com``) is left
as it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .. import vietnamese
from .tables import phrase_end_counts, viqr_letters

VOWELS = "aeiouyAEIOUY"
_SHAPE = {  # (base, mark) -> shaped letter
    ("a", "("): "ă", ("a", "^"): "â", ("e", "^"): "ê", ("o", "^"): "ô",
    ("o", "+"): "ơ", ("u", "+"): "ư", ("o", "*"): "ơ", ("u", "*"): "ư",
}
_TONE = {"'": "\u0301", "`": "\u0300", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
MARKS = "^(+*'`?~."
# Marks that show a word is VIQR even when it is no syllable (a loanword,
# "pa^te'"). Not the grave: Markdown code ends with one (`value`).
_SHAPE_EVIDENCE = frozenset("^(+*d~")
_INNER_PUNCTUATION = frozenset(("inner.", "inner?"))
_ESCAPE = re.compile(r"\\[\^(+*'`?~.]")
# A run of letters and mark characters (with escapes); a chunk holding an
# address is never decoded (Unikey does the same).
_RUN = re.compile(r"(?:\\[\^(+*'`?~.\\]|[A-Za-z\^(+*'`?~.])+")
_ADDRESS = re.compile(r"\S*(?:://|@|www\.)\S*")
# Code in reStructuredText (``--upgrade``): VIQR never doubles a mark. (A
# single backtick may be a grave or an opening quote, `like this'.)
_CODE_SPAN = re.compile(r"``[^`\n]+``")
# A code point, "U+0110": no "Ư" (VIQR "U+") before digits.
_CODE_POINT = re.compile(r"\b[Uu]\+[0-9A-Fa-f]{4,6}\b")
_CLOSERS = "\"”’)]»'"


@dataclass
class Stats:
    changed: int = 0  # words that decoded to a Vietnamese syllable
    strong: int = 0  # ... using a mark other than "?" (lossy damage looks like "?")
    refused: int = 0  # words with marks that did not decode to a syllable


def decode(text: str, strict: bool | None = None, lenient: bool = False) -> str:
    return decode_with_stats(text, strict, lenient)[0]


def decode_with_stats(text: str, strict: bool | None = None, lenient: bool = False) -> tuple[str, Stats]:
    """Decode and count the evidence. ``lenient`` (text known to be VIQR)
    also decodes words that are not syllables (``Me'xico``)."""
    if strict is None:
        strict = uses_escapes(text)
    stats = Stats()
    addresses = [m.span() for m in _ADDRESS.finditer(text)] if ("@" in text or "/" in text or "www." in text) else []
    if "`" in text:
        addresses += [m.span() for m in _CODE_SPAN.finditer(text)]
    if "+" in text:
        addresses += [m.span() for m in _CODE_POINT.finditer(text)]

    def replace(match: re.Match[str]) -> str:
        run = match.group(0)
        if addresses and any(a <= match.start() < b for a, b in addresses):
            return run
        decoded, marks = _decode_run(run, text[match.end():match.end() + 40], strict)
        if decoded == run:
            return run
        words = vietnamese.words(decoded)
        # A word that is no syllable stays as written, unless a shape mark
        # or "dd" shows it is VIQR (a loanword such as "pa^te'").
        # "file.gif": a dot or question mark inside a word that is no
        # syllable is punctuation even in VIQR text.
        if not marks or not (lenient and not marks & _INNER_PUNCTUATION or marks & _SHAPE_EVIDENCE
                             or all(w.isascii() or _is_syllable(w) for w in words)):
            if marks:
                stats.refused += 1
            return _ESCAPE.sub(lambda m: m.group(0)[1], run)
        stats.changed += 1
        if marks - {"?", "inner?"}:
            stats.strong += 1
        return decoded

    return _RUN.sub(replace, text), stats


def uses_escapes(text: str) -> bool:
    return "\\" in text and _ESCAPE.search(text) is not None


def _is_syllable(word: str) -> bool:
    return vietnamese.is_syllable(word) and (word.islower() or word.isupper() or word[1:].islower())


def _base(letter: str) -> str:
    return unicodedata.normalize("NFD", letter)[0].lower()


def _next_is_lowercase(text: str) -> bool:
    stripped = text.lstrip()
    return bool(stripped) and stripped[0].islower()


def _decode_run(run: str, text_after: str, strict: bool) -> tuple[str, set[str]]:
    """Decode one run; also return the marks that were read as diacritics."""
    out: list[str] = []
    used: set[str] = set()
    word_start = 0  # index in out where the current syllable begins
    toned = False
    i, n = 0, len(run)
    while i < n:
        char = run[i]
        if char == "\\" and i + 1 < n:
            out.append(run[i + 1])
            i += 2
            word_start, toned = len(out), False
            continue
        if char in "dD" and i + 1 < n and run[i + 1] in "dD" and (
            i == 0 or not run[i - 1].isalpha()
            or run[i - 1].isupper() and run[i - 1] not in VOWELS and run[i:i + 2] == "DD"
        ):  # đ starts a syllable; "DD" also follows capital consonants (QDD = QĐ, not MIDDLE)
            out.append("Đ" if char == "D" else "đ")  # dd đ, DD/Dd Đ
            used.add("d")
            word_start, toned = len(out) - 1, False
            i += 2
            continue
        if not char.isalpha():
            out.append(char)
            word_start, toned = len(out), False
            i += 1
            continue
        i += 1
        if char not in VOWELS:
            out.append(char)
            continue
        if toned and out and out[-1].isalpha() and _base(out[-1]) not in "aeiouy":
            toned = False  # a vowel after a consonant: the next syllable of a loanword
        letter = char
        following = run[i + 1] if i + 1 < n else text_after[:1]
        if i < n and (char.lower(), run[i]) in _SHAPE and not (run[i] == "(" and following == ")"):
            # (not the call "resolveCaa()": a breve is never followed by ")")
            shaped = _SHAPE[(char.lower(), run[i])]
            letter = shaped.upper() if char.isupper() else shaped
            used.add(run[i])
            i += 1
        if i < n and run[i] in _TONE and not toned:
            mark = run[i]
            after = run[i + 1] if i + 1 < n else text_after[:1]
            toned_letter = unicodedata.normalize("NFC", letter + _TONE[mark])
            rest = run[i + 1:] + text_after if i + 1 >= n or not run[i + 1:].strip(".") else ""
            if strict or mark in "`~'" or after.isalpha():
                take = True
            elif mark == "." and after == "." and len(rest) - len(rest.lstrip(".")) in (2, 5):
                take = False  # "tây..." : an ellipsis, not a dot below
            elif after and not after.isspace() and after not in _CLOSERS:
                take = True
            elif after.isspace() and _next_is_lowercase(text_after):
                take = True  # punctuation would not be followed by a lowercase word
            elif word_start == len(out) and char.isupper():
                take = True  # a one-letter capital word ("A? Ra^.p"): not an English "A?"
            else:  # the end of a sentence or a quote: a diacritic or punctuation?
                stem = "".join(out[word_start:])
                take = _prefer_toned(stem + letter, stem + toned_letter, mark)
            if take:
                letter = toned_letter
                toned = True
                used.add(mark if mark not in ".?" or not after.isalpha() else "inner" + mark)
                i += 1
        out.append(letter)
    return "".join(out), used


def _prefer_toned(plain: str, toned: str, mark: str) -> bool:
    """At the end of a phrase, is ``toned`` more likely than ``plain``
    followed by the punctuation ``mark`` (. or ?)?"""
    if not vietnamese.is_syllable(toned):
        return False
    bare, with_period, with_question = phrase_end_counts(plain.lower())
    punctuated = with_period if mark == "." else with_question
    return phrase_end_counts(toned.lower())[0] > punctuated


# --- encoding -----------------------------------------------------------------

@lru_cache(maxsize=1)
def _spellings() -> dict[str, str]:
    return viqr_letters()


def encode(text: str) -> str:
    """VIQR of ``text``; a literal mark after a letter that could take it
    is escaped with a backslash (RFC 1456)."""
    spellings = _spellings()
    out: list[str] = []
    previous = ""
    for char in unicodedata.normalize("NFC", text):
        if char in spellings:
            out.append(spellings[char])
        elif char in MARKS and previous and (previous in VOWELS or previous in spellings):
            out.append("\\" + char)
        else:
            out.append(char)
        previous = char
    return "".join(out)
