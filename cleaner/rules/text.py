"""Line-level text helpers for the rule engine: normalizing and folding lines
for matching, and the jusText-style prose test that protects body text."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .. import vietnamese

_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
# Decoration around a chrome label: bullets, arrows, pipes, colons, "(*)"
# required-field marks, a trailing "(12)" count. Stripped before comparing.
_EDGE_LEFT = re.compile(r"^(?:[\s•·●○◦▪■□►▶»›>«‹<|↑↓←→\-–—*+#=~:/\\]|\[|\])+")
_EDGE_RIGHT = re.compile(r"(?:[\s•·●○◦▪■□►▶»›>«‹<|↑↓←→\-–—*+#=~:/\\.]|\(\s*\*?\s*\)|\(\s*\d[\d.,]*\s*\)|\[|\])+$")


_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2060\ufeff]")


@lru_cache(maxsize=8192)  # every rule looks at the same line in turn
def normalize(line: str) -> str:
    """The line as the normalize stage will leave it: NFC, no control or
    zero-width characters, every kind of space collapsed to one, stripped."""
    line = unicodedata.normalize("NFC", _INVISIBLE.sub("", line))
    return _SPACES.sub(" ", line).strip()


@lru_cache(maxsize=65536)
def strip_marks(text: str) -> str:
    """Remove diacritics (đ → d) but keep case."""
    if text.isascii():
        return text
    text = text.replace("đ", "d").replace("Đ", "D")
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


# Every combining mark (category M*), removed with one regex pass: a
# per-character Python loop was the chrome stage's hottest spot.
_COMBINING = re.compile(
    "[" + "".join(chr(c) for c in range(0x300, 0x10000)
                  if unicodedata.combining(chr(c)) and not 0xD800 <= c <= 0xDFFF) + "]"
)


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Case- and diacritic-insensitive form for comparing labels."""
    return strip_marks(normalize(text)).casefold()


@lru_cache(maxsize=8192)
def clean_edges(text: str) -> str:
    """A label without its decoration: ``• Email*`` → ``Email``,
    ``Họ tên:(*)`` → ``Họ tên``, ``Bình luận (3)`` → ``Bình luận``."""
    text = _EDGE_LEFT.sub("", text)
    return _EDGE_RIGHT.sub("", text)


# Common function words: their share tells running prose from labels and
# headlines (jusText's stop-word density).
VI_FUNCTION_WORDS = frozenset(
    """của và là được các những trong cho với đã có này người một không để khi
    thì mà đến từ về theo tại như cũng sẽ đang nhiều nhưng vì nên do bị rằng
    hay hoặc nếu sau trên dưới vào ra lại còn chỉ rất đó này những việc cùng
    hơn nhất phải mới đều vẫn chưa bằng qua ở lên""".split()
)
EN_FUNCTION_WORDS = frozenset(
    """the a an of and or to in on at for with by from is are was were be been
    has have had that this these those it its as but not which who will would
    can could than then there their they he she we you i his her our""".split()
)
FUNCTION_WORDS = VI_FUNCTION_WORDS | EN_FUNCTION_WORDS
_SENTENCE_END = re.compile(r"[.!?…;:][\"'”’»)\]]*$")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def function_share(words: list[str]) -> float:
    return sum(w in FUNCTION_WORDS for w in words) / len(words) if words else 0.0


@lru_cache(maxsize=8192)
def looks_like_prose(line: str) -> bool:
    """A sentence of running text (not a label, button or headline): long
    enough, with sentence punctuation or many function words. Keyword rules
    never remove such a line unless they say so."""
    words = tokens(line)
    if len(line) < 40 or len(words) < 7:
        return False
    share = function_share(words)
    if _SENTENCE_END.search(line) and share >= 0.08:
        return True
    return len(words) >= 12 and share >= 0.15


def is_body_paragraph(line: str) -> bool:
    """A strong body paragraph: the anchors that delimit the main body
    (head = before the first one, tail = after the last one)."""
    if len(line) >= 150:
        return function_share(tokens(line)) >= 0.06 or bool(_SENTENCE_END.search(line))
    return len(line) >= 60 and looks_like_prose(line) and bool(_SENTENCE_END.search(line))


def detect_language(text: str) -> str | None:
    """"vi" when many words carry Vietnamese letters, "en" when English
    function words are frequent, else None."""
    sample = text[:5000]  # a few paragraphs tell the language
    words = _ANY_WORD.findall(sample)
    if not words:
        return None
    total = len(words)
    if sum(1 for word in words if _VI_LETTER.search(word)) / total >= 0.15:
        return "vi"
    english = sum(1 for word in words if word.lower() in EN_FUNCTION_WORDS)
    if english / total >= 0.12:
        return "en"
    return None


_ANY_WORD = re.compile(r"[^\W\d_]+")
# A letter only Vietnamese uses (not in Latin-1: French "été" is no evidence).
_VI_LETTER = re.compile("[ăđĩũơưạ-ỹĂĐĨŨƠƯẠ-Ỹ]")
