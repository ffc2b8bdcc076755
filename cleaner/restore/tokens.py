"""The token stream the language model sees, shared by training and
restoration so that both map text to ids the same way.

A line becomes ``<s> t1 t2 ... </s>``. Vietnamese syllables are lowercased
and put in one tone style (:data:`MODEL_STYLE`); other words become
``<unk>``, numbers ``<num>``, sentence punctuation ``<e>`` and any other
punctuation ``<p>``.
"""

from __future__ import annotations

import re
import unicodedata

from ..vietnamese import parse_syllable, set_tone_style

# Wikipedia, the main training text, mostly writes "hòa"; the word list is
# converted to it.
MODEL_STYLE = "old"

UNK, BOS, EOS, END, PUNCT, NUM = range(6)
SPECIALS = ("<unk>", "<s>", "</s>", "<e>", "<p>", "<num>")
# 14-bit ids: four of them and a 3-bit order tag fit one 64-bit key.
ID_BITS = 14
PAD = (1 << ID_BITS) - 1  # "no token": history before the line; never in a table
MAX_ID = PAD - 1

# Training tokens: words, numbers, sentence punctuation runs, other marks.
TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+|[.!?\u2026]+|[^\w\s]")
_SENTENCE_PUNCT = frozenset(".!?\u2026")


def syllable_key(word: str) -> str | None:
    """The model's spelling of a word (lowercase, :data:`MODEL_STYLE`), or
    None when it is not a Vietnamese syllable."""
    lower = word.lower()
    if parse_syllable(lower) is None:
        return None
    return set_tone_style(lower, MODEL_STYLE)


class Vocabulary:
    """Syllable <-> id. Ids below ``len(SPECIALS)`` are the special tokens."""

    def __init__(self, words: list[str] | None = None):
        self.words: list[str] = list(SPECIALS) + list(words or ())
        self.ids: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        self.alternates: list[str] | None = None  # each word in the other tone style
        self._cache: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.words)

    def add(self, key: str) -> int:
        index = self.ids.get(key)
        if index is None:
            if len(self.words) > MAX_ID:
                return UNK  # vocabulary full
            index = self.ids[key] = len(self.words)
            self.words.append(key)
        return index

    def word_id(self, word: str, grow: bool = False) -> int:
        """Id of a surface word (any case, either tone style)."""
        index = self._cache.get(word)
        if index is None:
            key = syllable_key(word)
            if key is None:
                index = UNK
            elif grow:
                index = self.add(key)
            else:
                index = self.ids.get(key, UNK)
            if len(self._cache) < 1_000_000:
                self._cache[word] = index
        return index

    def token_id(self, token: str, grow: bool = False) -> int:
        first = token[0]
        if first.isdigit():
            return NUM
        if first.isalpha():
            return self.word_id(token, grow)
        if first in _SENTENCE_PUNCT:
            return END
        return PUNCT


def line_ids(line: str, vocab: Vocabulary, grow: bool = False, bounds: bool = True) -> list[int]:
    """Ids of one line of text; ``bounds`` adds ``<s>``/``</s>``."""
    line = unicodedata.normalize("NFC", line)
    ids = [vocab.token_id(token, grow) for token in TOKEN_RE.findall(line)]
    return [BOS, *ids, EOS] if bounds else ids


# Case of a word inside a sentence: the restorer needs it when the first
# letter is the hidden one ("?ông" is "Đông" or "đông").
LOWER, CAPITAL, OTHER = 0, 1, 2


def line_ids_and_case(line: str, vocab: Vocabulary) -> tuple[list[int], list[int]]:
    """Ids (with ``<s>``/``</s>``) and, per id, the word's case: CAPITAL or
    LOWER inside a sentence, OTHER for sentence-initial words, all-caps
    words and non-words."""
    line = unicodedata.normalize("NFC", line)
    ids, cases = [BOS], [OTHER]
    initial = True
    for token in TOKEN_RE.findall(line):
        index = vocab.token_id(token, True)
        ids.append(index)
        if token[0].isalpha():
            if initial or (len(token) > 1 and token.isupper()):
                cases.append(OTHER)
            else:
                cases.append(CAPITAL if token[0].isupper() else LOWER)
            initial = False
        else:
            cases.append(OTHER)
            if token[0] in _SENTENCE_PUNCT:
                initial = True
    ids.append(EOS)
    cases.append(OTHER)
    return ids, cases
