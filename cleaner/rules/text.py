"""Line-level text helpers for the rule engine: normalizing and folding lines
for matching, and the jusText-style prose test that protects body text."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from ..fastpath import class_table, holds, numpy_worth_it, to_nfc


_ODD_SPACES = "\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff"
_SPACES = re.compile(rf"[\s{_ODD_SPACES}]+")
# Every space but " " and "\n" (str.isspace, the same as "\s"), listed: a
# class of listed characters scans far faster than "[^\S\n ]".
_OTHER_SPACES = re.compile(rf"[\t\x0b\x0c\r\x1c-\x1f\x85\u1680\u2000-\u200a\u2028\u2029{_ODD_SPACES}]")
_SPACE_RUN = re.compile("   *")  # " {2,}" written so that the engine searches for two spaces at once
# Decoration around a chrome label: bullets, arrows, pipes, colons, "(*)"
# required-field marks, a trailing "(12)" count. Stripped before comparing.
DECORATION = "•·●○◦▪■□►▶»›>«‹<|↑↓←→\\-–—*+#=~:/\\\\"  # inside a [class]
_EDGE_LEFT = re.compile(rf"^(?:[\s{DECORATION}]|\[|\])+")
# A count in brackets ("Bình luận (12)", "(1.523)") is decoration, a year
# is not: "Trở lại (2008)" is a title in a list (thousands take a "." or ",").
_EDGE_RIGHT = re.compile(rf"(?:[\s{DECORATION}.]|\(\s*\*?\s*\)|\(\s*(?!(?:1\d|20)\d\d\s*\))\d[\d.,]*\s*\)|\[|\])+$")
# The characters but spaces a line with decoration starts or ends with.
_EDGE_LEFT_FIRST = frozenset(c for c in DECORATION + "[]" if _EDGE_LEFT.match(c))
_EDGE_RIGHT_LAST = frozenset(c for c in DECORATION + ".[])" if _EDGE_RIGHT.match(c)) | {")"}


_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2060\ufeff]")
_INVISIBLE_OR_SPACE = re.compile(f"[{_INVISIBLE.pattern[1:-1]}{_OTHER_SPACES.pattern[1:-1]}]")


@lru_cache(maxsize=8192)  # every rule looks at the same line in turn
def normalize(line: str) -> str:
    """The line as the normalize stage will leave it: NFC, no control or
    zero-width characters, every kind of space collapsed to one, stripped."""
    line = unicodedata.normalize("NFC", _INVISIBLE.sub("", line))
    return _SPACES.sub(" ", line).strip()


def normalize_lines(lines: list[str]) -> list[str]:
    """``normalize`` of every line (none holds a "\\n"), done over the
    joined text in a few passes: far cheaper than line by line."""
    if not lines:
        return []
    return normalize_joined("\n".join(lines))


def normalize_joined(text: str) -> list[str]:
    """``normalize_lines(text.split("\\n"))``, for a text at hand."""
    # One scan tells whether the removal and the spaces steps have work (NFC
    # makes a space of no other character: U+2000/2001 are spaces already).
    odd = holds(_INVISIBLE_OR_SPACE, text)
    if odd:
        text = _INVISIBLE.sub("", text)
    text = to_nfc(text)
    if odd:
        text = _OTHER_SPACES.sub(" ", text)
    if "  " in text:
        text = _SPACE_RUN.sub(" ", text)
    return [line.strip() for line in text.split("\n")]


@lru_cache(maxsize=65536)
def strip_marks(text: str) -> str:
    """Remove diacritics (đ → d) but keep case."""
    if text.isascii():
        return text
    text = text.replace("đ", "d").replace("Đ", "D")
    return COMBINING.sub("", unicodedata.normalize("NFD", text))


# Every combining mark of the BMP (a non-zero combining class), removed
# with one regex pass: a per-character Python loop was the chrome stage's
# hottest spot.
_COMBINING_MARKS = "".join(chr(c) for c in range(0x300, 0x10000) if unicodedata.combining(chr(c)))
COMBINING = re.compile(f"[{_COMBINING_MARKS}]")


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Case- and diacritic-insensitive form for comparing labels."""
    return strip_marks(normalize(text)).casefold()


@lru_cache(maxsize=8192)
def clean_edges(text: str) -> str:
    """A label without its decoration: ``• Email*`` → ``Email``,
    ``Họ tên:(*)`` → ``Họ tên``, ``Bình luận (3)`` → ``Bình luận``."""
    # Most lines have no decoration at either end: the regexes (tried at
    # every position of the line) are not worth running on them.
    if text[:1] in _EDGE_LEFT_FIRST or text[:1].isspace():
        text = _EDGE_LEFT.sub("", text)
    if text[-1:] in _EDGE_RIGHT_LAST or text[-1:].isspace():
        text = _EDGE_RIGHT.sub("", text)
    return text


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
    return sum(map(FUNCTION_WORDS.__contains__, words)) / len(words) if words else 0.0


@lru_cache(maxsize=8192)
def looks_like_prose(line: str) -> bool:
    """A sentence of running text (not a label, button or headline): long
    enough, with sentence punctuation or many function words. Keyword rules
    never remove such a line unless they say so."""
    if len(line) < 40:
        return False
    words = tokens(line)
    if len(words) < 7:
        return False
    share = function_share(words)
    if _SENTENCE_END.search(line) and share >= 0.08:
        return True
    return len(words) >= 12 and share >= 0.15


def is_body_paragraph(line: str) -> bool:
    """A strong body paragraph: the anchors that delimit the main body
    (head = before the first one, tail = after the last one)."""
    if len(line) >= 150:
        return bool(_SENTENCE_END.search(line)) or function_share(tokens(line)) >= 0.06
    return len(line) >= 60 and bool(_SENTENCE_END.search(line)) and looks_like_prose(line)


def detect_language(text: str) -> str | None:
    """"vi" when many words carry Vietnamese letters, "en" when English
    function words are frequent, else None."""
    # A few paragraphs tell the language; read as the normalize stage will
    # leave them (a combining accent or a zero-width space cuts a word in
    # two, and the next run would see other words: another language).
    sample = text[:5000]
    if not sample.isascii():
        sample = to_nfc(_INVISIBLE.sub("", sample))
    counted = _word_counts(sample) if numpy_worth_it(len(sample)) else None
    words = None
    if counted is None:
        words = _ANY_WORD.findall(sample)
        counted = len(words), sum(1 for word in words if _VI_LETTER.search(word))
    total, vietnamese = counted
    if not total:
        return None
    if vietnamese / total >= 0.15:
        return "vi"
    if words is None:
        words = _ANY_WORD.findall(sample)
    english = sum(1 for word in words if word.lower() in EN_FUNCTION_WORDS)
    if english / total >= 0.12:
        return "en"
    return None


def _word_counts(sample: str) -> tuple[int, int] | None:
    """The words ``_ANY_WORD`` finds in ``sample`` and those of them that
    hold a ``_VI_LETTER``, counted by numpy table lookups (the regex way
    costs ~0.6 ms per document, most of the rule set's choice for a small
    file); None for a sample beyond the BMP or with lone surrogates."""
    import numpy

    try:
        codes = numpy.frombuffer(sample.encode("utf-32-le"), dtype=numpy.uint32)
    except UnicodeEncodeError:
        return None
    if not len(codes):
        return 0, 0
    if codes.max() > 0xFFFF:
        return None
    kinds = _word_char_table()[codes]
    letters = kinds != 0
    starts = letters.copy()
    starts[1:] &= ~letters[:-1]
    vietnamese = kinds == 2
    if not vietnamese.any():
        return int(starts.sum()), 0
    words = numpy.cumsum(starts)  # the word each character belongs to (from 1)
    held = words[vietnamese]  # in order: a new word wherever the id changes
    return int(words[-1]), int(numpy.count_nonzero(held[1:] != held[:-1])) + 1


@lru_cache(maxsize=1)
def _word_char_table():
    """For each BMP character: 1 when ``[^\\W\\d_]`` takes it (the regex
    engine's \\w is str.isalnum or "_", its \\d str.isdecimal), 2 when
    it is also a ``_VI_LETTER``, else 0."""
    import numpy

    table = numpy.array([char.isalnum() and not char.isdecimal() and char != "_"
                         for char in map(chr, range(0x10000))], dtype=numpy.uint8)
    table[class_table(_VI_LETTER) & (table == 1)] = 2
    return table


_ANY_WORD = re.compile(r"[^\W\d_]+")
# A letter only Vietnamese uses (not in Latin-1: French "été" is no evidence).
_VI_LETTER = re.compile("[ăđĩũơưạ-ỹĂĐĨŨƠƯẠ-Ỹ]")


def trie_pattern(words: set[str]) -> str:
    """One regex for a set of words, their common prefixes shared
    (``bình luận|bình chọn`` → ``bình\\ (?:luận|chọn)``): the engine tries a
    few characters instead of every word in turn."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        pattern = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{pattern})?" if "" in node else pattern

    return emit(trie)


# --- the text without diacritics, fast ----------------------------------------


def strip_marks_text(text: str) -> str:
    """``strip_marks`` of a long text: the same characters, mapped through a
    table with numpy instead of decomposing and rebuilding the text."""
    if text.isascii() or len(text) < 20000:
        return strip_marks.__wrapped__(text)
    try:
        import numpy
        codes = numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)
    except (ImportError, UnicodeEncodeError):  # no numpy; lone surrogates
        return strip_marks.__wrapped__(text)
    table = _strip_table()
    high = codes > 0xFFFF
    mapped = table[numpy.where(high, 0, codes)]
    if high.any():  # beyond the BMP (rare): one character at a time
        for position in numpy.flatnonzero(high).tolist():
            bare = strip_marks.__wrapped__(chr(codes[position]))
            mapped[position] = ord(bare) if len(bare) == 1 else (_GONE if not bare else _COMPLEX)
    if (mapped == _COMPLEX).any():  # e.g. Hangul syllables: decomposed into several letters
        return strip_marks.__wrapped__(text)
    return mapped[mapped >= 0].astype(numpy.uint32).tobytes().decode("utf-32-le")


_GONE, _COMPLEX = -1, -2

# Characters that IGNORECASE matches to an ASCII letter but that lower()
# does not make ASCII (tests/test_rules.py checks the list against the re
# module of the running Python), and that letter.
IGNORECASE_EXTRA = ("\u0130", "\u0131", "\u017f")  # İ ı ſ
_IGNORECASE_LETTER = {ord(char): next(letter for letter in "abcdefghijklmnopqrstuvwxyz"
                                      if re.fullmatch(letter, char, re.IGNORECASE))
                      for char in IGNORECASE_EXTRA}


def ignorecase_ascii(text: str) -> str:
    """``text`` (lower case) with those characters as their ASCII letter."""
    return text.translate(_IGNORECASE_LETTER)


def ascii_folded(text: str) -> bytes:
    """``text`` as rules that ignore case and diacritics read it, for
    finding ASCII words in it: without diacritics, lower case, "ı" and "ſ"
    as "i" and "s" (as IGNORECASE compares them), one byte per ASCII
    character; the other characters are "\\x01" or left out (either way
    no word is lost, and the lines keep their "\\n")."""
    if not numpy_worth_it(len(text)):
        # Until a process has looked at a few MB, importing numpy (0.1 s)
        # costs more than it saves: NFD, and the marks left out as non-ASCII.
        return _ascii_folded_by_nfd(text)
    try:
        import numpy
        codes = numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)
    except (ImportError, UnicodeEncodeError):  # no numpy; lone surrogates
        return ignorecase_ascii(strip_marks.__wrapped__(text).lower()).encode("ascii", "replace")
    # Beyond the BMP nothing becomes ASCII (U+FFFF is "\x01").
    mapped = fold_table()[numpy.minimum(codes, 0xFFFF)]
    if not mapped.all():  # combining marks go
        mapped = mapped[mapped != 0]
    return mapped.tobytes()


def _ascii_folded_by_nfd(text: str) -> bytes:
    bare = text.replace("đ", "d").replace("Đ", "D")
    for char, letter in _IGNORECASE_LETTER.items():  # str.replace: translate is slow on long texts
        bare = bare.replace(chr(char), letter)
    return unicodedata.normalize("NFD", bare).encode("ascii", "ignore").lower()


@lru_cache(maxsize=1)
def fold_table():
    """For each BMP character its byte in ``ascii_folded`` (0: none)."""
    import numpy
    table = numpy.ones(0x10000, dtype=numpy.uint8)
    table[:0x80] = numpy.frombuffer(bytes(range(0x80)).lower(), dtype=numpy.uint8)
    # Beyond ASCII only these can become an ASCII letter or nothing.
    chars = set(canonical_decompositions()) | set(IGNORECASE_EXTRA) | {"đ", "Đ"}
    for char in chars:
        bare = ignorecase_ascii(strip_marks.__wrapped__(char).lower())
        if len(bare) == 1 and bare.isascii():
            table[ord(char)] = ord(bare)
    table[[ord(mark) for mark in _COMBINING_MARKS]] = 0
    return table


@lru_cache(maxsize=1)
def canonical_decompositions() -> dict[str, str]:
    """Every BMP character that NFD decomposes, and its decomposition
    (Hangul syllables aside: they become jamo, letters again)."""
    return {chr(code): unicodedata.normalize("NFD", chr(code)) for code in range(0xC0, 0x10000)
            if (found := unicodedata.decomposition(chr(code))) and not found.startswith("<")}


@lru_cache(maxsize=1)
def _strip_table():
    """For each BMP character: what ``strip_marks`` leaves of it (its code,
    _GONE for a combining mark, _COMPLEX when it becomes several)."""
    import numpy
    table = numpy.arange(0x10000, dtype=numpy.int64)
    codes = [code for code in range(0x80, 0x10000) if not 0xD800 <= code <= 0xDFFF]
    # Every character at once, "\x00" between them (NFD leaves it alone).
    stripped = strip_marks.__wrapped__("\x00".join(map(chr, codes))).split("\x00")
    for code, bare in zip(codes, stripped):
        if bare != chr(code):
            table[code] = ord(bare) if len(bare) == 1 else (_GONE if not bare else _COMPLEX)
    return table
