"""Put back capitals that an encoding (or the converter that wrote it) folds
to the lowercase code: TCVN3 has no code for 60 capitals, and Unikey-style
converters write VISCII/VPS capitals that live in control bytes as
lowercase. A folded letter is upper-cased only where a capital is certain
enough: inside an upper-case word or line, and at the start of a sentence."""

from __future__ import annotations

import re
from functools import lru_cache

from .tables import capitalized_counts, letters

_WORD = re.compile(r"[^\W\d_]+")
# Text before a word that puts the word at the start of a sentence.
_SENTENCE_START = re.compile(r"(?:^|[.!?…]\s+|:\s*[\"“‘(«])[\s\"“‘(\[«\-–—•*]*$")


@lru_cache(maxsize=None)
def folded_letters(encoding: str) -> frozenset[str]:
    """Lowercase letters whose capital ``encoding`` may hold as the lowercase
    code."""
    if encoding == "tcvn3":
        present = letters("tcvn3")
        return frozenset(c.lower() for c in letters("tcvn5712-1") if c.isupper() and c not in present)
    if encoding in ("viscii", "vps"):
        return frozenset(
            letter.lower() for letter, code in letters(encoding).items()
            if letter.isupper() and (code[0] < 0x20 or code[0] == 0xA0)
        )
    return frozenset()


@lru_cache(maxsize=None)
def _own_codes(encoding: str) -> re.Pattern[str]:
    """Capitals whose lowercase may be folded, as the encoding's own codes."""
    capitals = "".join(sorted(c.upper() for c in folded_letters(encoding)))
    return re.compile(f"[{capitals}]")


def is_folded(text: str, encoding: str) -> bool:
    """False when ``text`` holds a capital the folding converters cannot
    write: then its lowercase letters are meant as written."""
    return bool(folded_letters(encoding)) and not _own_codes(encoding).search(text)


def restore_capitals(text: str, encoding: str) -> str:
    folds = folded_letters(encoding)
    if not folds or not any(c in folds for c in set(text)) or not is_folded(text, encoding):
        return text
    word_re, strip_folds = _fold_tools(encoding)
    return "\n".join(_restore_line(line, word_re, strip_folds) if word_re.search(line) else line
                     for line in text.split("\n"))


@lru_cache(maxsize=None)
def _fold_tools(encoding: str) -> tuple[re.Pattern[str], dict[int, None]]:
    """(regex of words holding a folded letter, table deleting those letters)."""
    folds = "".join(sorted(folded_letters(encoding)))
    return (re.compile(rf"[^\W\d_]*[{folds}][^\W\d_]*"), {ord(c): None for c in folds})


def _restore_line(line: str, word_re: re.Pattern[str], strip_folds: dict[int, None]) -> str:
    caps_line: bool | None = None  # computed when first needed

    def is_caps_line() -> bool:
        rest = line.translate(strip_folds)
        upper = sum(map(str.isupper, rest))
        lower = sum(map(str.islower, rest))
        # No lowercase letter but folds, and one word with two capitals (so
        # "Đỗ Bá Tỵ" is not taken for "ĐỖ BÁ TỴ").
        return upper >= 2 and lower <= 0.1 * upper and any(
            sum(map(str.isupper, word)) >= 2 for word in _WORD.findall(rest)
        )

    def fix(match: re.Match[str]) -> str:
        nonlocal caps_line
        word = match.group(0)
        rest = word.translate(strip_folds)
        if rest == rest.upper():  # no lowercase letter but the folded ones
            word_upper = sum(map(str.isupper, rest))
            if word_upper >= 2:
                return word.upper()
            if caps_line is None:
                caps_line = is_caps_line()
            if caps_line:
                return word.upper()
        if ord(word[0]) in strip_folds and (
            _SENTENCE_START.search(line, 0, match.start()) or _usually_capitalized(word, line, match.end())
        ):
            return word[0].upper() + word[1:]
        return word

    return word_re.sub(fix, line)


_NEXT_LETTER = re.compile(r"[\s\-–]*([^\W\d_])")


def _usually_capitalized(word: str, line: str, end: int) -> bool:
    counts = capitalized_counts().get(word.lower())
    if counts is None or not word.islower():
        return False
    following = _NEXT_LETTER.match(line, end)
    before_capital = bool(following and following.group(1).isupper())
    capitalized, lowercase = counts[:2] if before_capital else counts[2:]
    return capitalized > lowercase
