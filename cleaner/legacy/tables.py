"""The letter tables of the legacy Vietnamese encodings (package data) and
small derived facts: cp1252 as browsers read it, syllable counts."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


def _data_file(name: str):
    return resources.files("cleaner").joinpath("data", "legacy", name)


@lru_cache(maxsize=1)
def _tables() -> dict[str, dict[str, str]]:
    with _data_file("tables.json").open(encoding="utf-8") as handle:
        data = json.load(handle)
    data.pop("_about", None)
    return data


def letters(encoding: str) -> dict[str, bytes]:
    """Letter -> bytes for ``encoding`` (a table name such as ``tcvn3``)."""
    return {letter: bytes.fromhex(code) for letter, code in _tables()[encoding].items()}


def viqr_letters() -> dict[str, str]:
    return dict(_tables()["viqr"])


def _whatwg_cp1252() -> str:
    """cp1252 as WHATWG (browsers) decodes it: the five undefined bytes
    become the C1 control with the same number."""
    chars = []
    for byte in range(256):
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars)


CP1252 = _whatwg_cp1252()

# Text -> the bytes it was read from: cp1252 characters, and U+0080-U+009F
# for bytes read as latin-1 (or undefined in cp1252).
_TO_LATIN1 = {ord(char): chr(byte) for byte, char in enumerate(CP1252) if ord(char) != byte}


def cp1252_bytes(text: str) -> bytes | None:
    """The bytes ``text`` was decoded from as cp1252 or latin-1; None when
    it holds a character neither can produce."""
    try:
        return text.translate(_TO_LATIN1).encode("latin-1")
    except UnicodeEncodeError:
        return None


def _read_counts(name: str) -> dict[str, tuple[int, ...]]:
    """A data file of "word count count ..." lines ("#" lines are its header)."""
    table: dict[str, tuple[int, ...]] = {}
    with _data_file(name).open(encoding="utf-8") as handle:
        for line in handle:
            if not line.startswith("#"):
                word, *numbers = line.split()
                table[word] = tuple(map(int, numbers))
    return table


@lru_cache(maxsize=1)
def _syllable_table() -> dict[str, tuple[int, ...]]:
    return _read_counts("syllable-counts.txt")


@lru_cache(maxsize=1)
def syllable_counts() -> dict[str, int]:
    """How often each lowercase syllable occurs in Vietnamese Wikipedia
    (see the header of the data file for the attribution)."""
    return {word: numbers[0] for word, numbers in _syllable_table().items()}


def phrase_end_counts(word: str) -> tuple[int, int, int]:
    """How often ``word`` (lowercase) ends a phrase: bare, before ``.``,
    before ``?`` (VIQR reads "ddi." as "đi." or "đị" by these)."""
    numbers = _syllable_table().get(word)
    return numbers[1:] if numbers else (0, 0, 0)


@lru_cache(maxsize=1)
def capitalized_counts() -> dict[str, tuple[int, int, int, int]]:
    """For words that begin with a capital TCVN3 lacks: how often Vietnamese
    Wikipedia writes them capitalized / lowercase mid-sentence, before a
    capitalized word and otherwise (attribution in the data file)."""
    return _read_counts("capitalized-counts.txt")  # type: ignore[return-value]
