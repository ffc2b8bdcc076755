"""Candidates for a damaged token: the Vietnamese syllables its pattern can
stand for, where each ``?`` or ``\ufffd`` hides exactly one letter.

``?`` comes from encoding to a codepage that lacks the letter: cp1252 and
latin-1 keep à á â ã è é ê ì í ò ó ô õ ù ú ý, ASCII keeps none of them.
``\ufffd`` comes from a broken decode and may hide any non-ASCII letter.
"""

from __future__ import annotations

import unicodedata

import numpy as np
from functools import lru_cache

from ..vietnamese import set_tone_style
from .tokens import SPECIALS, Vocabulary, syllable_key

DAMAGE = "?\ufffd"
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
# Every lowercase Vietnamese letter outside ASCII (66 vowels and đ).
VIETNAMESE_NON_ASCII = frozenset(
    {unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES} - set("aeiouy")
) | {"đ"}


def _encodable(letter: str, codec: str) -> bool:
    try:
        letter.encode(codec)
        return True
    except UnicodeEncodeError:
        return False


# The Vietnamese letters cp1252 (and latin-1) can store: damage spares them.
CP1252_KEEPS = frozenset(c for c in VIETNAMESE_NON_ASCII if _encodable(c, "cp1252"))
CP1252_LOSES = VIETNAMESE_NON_ASCII - CP1252_KEEPS
_KEPT_ANY_CASE = CP1252_KEEPS | {c.upper() for c in CP1252_KEEPS}


def codepage_for(text: str) -> str:
    """"cp1252" when intact letters show the text went through a codepage
    that keeps à/ê/ô..., so ``?`` can only hide a letter it lacks; "ascii"
    (any non-ASCII letter) otherwise."""
    return "cp1252" if any(c in _KEPT_ANY_CASE for c in text) else "ascii"


def _skeleton(word: str) -> str:
    return "".join("*" if (c in DAMAGE or not c.isascii()) else c for c in word)


class CandidateIndex:
    """The model's syllables (in both tone styles) grouped by skeleton:
    the word with every non-ASCII letter replaced by ``*``."""

    def __init__(self, vocab: Vocabulary, unigram_logp):
        self.vocab = vocab
        self.unigram = np.asarray(unigram_logp, dtype=np.float64)
        self.by_skeleton: dict[str, list[tuple[str, int]]] = {}
        alternates = vocab.alternates or [None] * len(vocab.words)
        for index in range(len(SPECIALS), len(vocab.words)):
            word = vocab.words[index]
            other = alternates[index]
            if other is None:
                other = set_tone_style(word, "new" if word == set_tone_style(word, "old") else "old")
            for surface in {word, other}:
                self.by_skeleton.setdefault(_skeleton(surface), []).append((surface, index))
        # most frequent first, so that equal scores favour common syllables
        for group in self.by_skeleton.values():
            group.sort(key=lambda item: -float(unigram_logp[item[1]]))
        self.lookup = lru_cache(maxsize=200_000)(self._lookup)

    def _lookup(self, pattern: str, codepage: str, style: str | None) -> tuple[tuple[str, int], ...]:
        """Lowercase surfaces and ids that ``pattern`` (lowercase) fits."""
        found: dict[int, str] = {}
        for surface, index in self.by_skeleton.get(_skeleton(pattern), ()):
            if len(surface) != len(pattern):
                continue
            for hidden, letter in zip(pattern, surface):
                if hidden == "?":
                    allowed = CP1252_LOSES if codepage == "cp1252" else VIETNAMESE_NON_ASCII
                    if letter not in allowed:
                        break
                elif hidden == "\ufffd":
                    if letter not in VIETNAMESE_NON_ASCII:
                        break
                elif hidden != letter and not (hidden == "ð" and letter == "đ"):
                    break  # (U+00D0/U+00F0 "Ð" is a lookalike of "Đ", as some sites write it)
            else:
                # The same syllable in both tone styles: keep the text's own.
                if index not in found or (style and surface == set_tone_style(surface, style)):
                    found[index] = surface
        return tuple((surface, index) for index, surface in found.items())


def word_id(vocab: Vocabulary, word: str) -> int:
    key = syllable_key(word)
    return vocab.ids.get(key, 0) if key else 0


def apply_case(token: str, lower: str, capital_first: bool, capitals: bool = False) -> str:
    """``lower`` written with ``token``'s case pattern. Hidden letters take
    the case of the word (all caps stays all caps); a hidden first letter
    is a capital when ``capital_first``. ``capitals``: the words around are
    in capitals, so every hidden letter is one too."""
    letters = [i for i, c in enumerate(token) if c not in DAMAGE and c.isalpha()]
    all_caps = capitals or bool(letters) and all(token[i].isupper() for i in letters) and (
        len(letters) >= 2 or letters[0] != 0)
    out = []
    for i, (seen, letter) in enumerate(zip(token, lower)):
        if seen not in DAMAGE:
            out.append(seen)
        elif all_caps or (i == 0 and capital_first):
            out.append(letter.upper())
        else:
            out.append(letter)
    return "".join(out)
