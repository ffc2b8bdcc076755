"""A cheap, exact pre-check for ftfy: which lines could ftfy change at all?

With the repair stage's settings ftfy changes a line only when its badness
regex (``ftfy.badness.BADNESS_RE``) matches, or the line holds C1 controls,
surrogates or a terminal escape. That regex is slow on Vietnamese text (a
large alternation tried at every position), so :func:`ftfy_may_change`
answers the same question faster and never says "no" when ftfy's answer
would be "yes":

* a line holding any character the regex names that is *not* common in
  Vietnamese text ("rare": ¤, ¬, box drawing, Greek, Cyrillic, ...) goes to
  ftfy;
* otherwise a match could only use ASCII, common Vietnamese characters and
  characters the regex does not name, so the regex is rebuilt from ftfy's
  own parse tree with every character class cut down to those characters
  (branches that need a rare character vanish). Few, short branches remain.

The reduced regex is derived from the installed ftfy at import time, so it
stays exact when ftfy's table changes.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path

from . import regex_cache
from .regex_tree import class_text, sre_constants, sre_parse

# Non-ASCII characters that ftfy's badness regex names but that correct
# Vietnamese text uses all the time: letters with tone marks, typographic
# quotes and dashes, NBSP. Lines made only of these are checked with the
# reduced regex instead of being sent to ftfy.
VIETNAMESE_COMMON = frozenset(
    "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư"
    "“”‘’–—…\u00a0·"
)

_OTHER_SIGNALS = "[\u0080-\u009f\ud800-\udfff\x1b]"  # C1, surrogates, terminal escapes

_ASCII = frozenset(map(chr, range(128)))


def _item_chars(items) -> tuple[set[str] | None, bool]:
    """Characters a parsed class names, or None when it uses a category
    (\\s, \\w) or negation, whose members cannot be listed."""
    chars: set[str] = set()
    for op, value in items:
        if op is sre_constants.LITERAL:
            chars.add(chr(value))
        elif op is sre_constants.RANGE:
            chars.update(map(chr, range(value[0], value[1] + 1)))
        else:
            return None, True
    return chars, False


def _class(chars: set[str]) -> str:
    return "[" + "".join(re.escape(c) for c in sorted(chars)) + "]"


def _reduce(sequence, allowed: frozenset[str] | None, named: set[str]) -> list[tuple[str, set[str] | None]] | None:
    """One parsed branch as (pattern, characters or None) elements, with its
    listable classes cut down to ``allowed`` (None: kept whole); None when
    some class becomes empty (the branch needs a rare character).
    ``named`` collects every listed character."""
    parts: list[tuple[str, set[str] | None]] = []
    for op, value in sequence:
        if op is sre_constants.LITERAL:
            chars: set[str] | None = {chr(value)}
            opaque = False
        elif op is sre_constants.IN:
            chars, opaque = _item_chars(value)
        elif op is sre_constants.ANY:
            parts.append(("[^\\n]", None))  # "." without DOTALL
            continue
        elif op is sre_constants.AT and value is sre_constants.AT_BEGINNING:
            parts.append(("^", None))
            continue
        elif op is sre_constants.MAX_REPEAT:
            low, high, inner = value
            inner_parts = _reduce(inner, allowed, named)
            if inner_parts is None:
                if low:
                    return None
                continue  # an optional part that can only match rare characters
            inner_pattern = "".join(p for p, _ in inner_parts)
            parts.append((f"(?:{inner_pattern}){{{low},{high}}}", None))
            continue
        else:  # pragma: no cover - ftfy does not use other constructs today
            raise ValueError(f"unsupported regex construct {op}")
        if opaque:
            parts.append((_opaque_class(value), None))
            continue
        named.update(chars)
        kept = chars & allowed if allowed is not None else chars
        if not kept:
            return None
        parts.append((_class(kept), kept))
    return parts


def _rarity(chars: set[str]) -> tuple[bool, int, int]:
    """Sort key: classes without ASCII, then with fewer lower-case letters
    (the frequent ones), then smaller, are rarer in running text."""
    return (not chars.isdisjoint(_ASCII), sum(c.islower() for c in chars), len(chars))


def _searchable(parts: list[tuple[str, set[str] | None]]) -> tuple[set[str] | None, str]:
    """A weaker (still necessary) form of one branch that the regex engine
    scans for quickly: leading elements that may match ASCII are dropped,
    and the scan is anchored on the rarest single-character class, with the
    classes before it checked by a look-behind. Returned as the anchor's
    characters (None: not a plain class) and the pattern after it."""
    index = 0
    while index < len(parts) and (parts[index][1] is None or not parts[index][1].isdisjoint(_ASCII)):
        index += 1
    parts = parts[index:] or parts
    run = 0  # leading plain classes: fixed width, usable in a look-behind
    while run < len(parts) and parts[run][1] is not None:
        run += 1
    if run < 2:
        return parts[0][1], "".join(p for p, _ in parts[1:])
    anchor = min(range(run), key=lambda i: _rarity(parts[i][1]))
    before = "".join(p for p, _ in parts[:anchor + 1])
    after = "".join(p for p, _ in parts[anchor + 1:])
    lookbehind = f"(?<={before})" if anchor else ""
    return parts[anchor][1], lookbehind + after


def _opaque_class(items) -> str:
    """A class with categories or negation, written back as it was."""
    text = class_text(items)
    if text is None:  # pragma: no cover
        raise ValueError("unsupported class item")
    return text


@lru_cache(maxsize=1)
def _prefilters() -> tuple[re.Pattern[str], ...]:
    try:
        return _derived_prefilters()
    except Exception:  # an ftfy whose regex this module cannot read: no fast path
        return (re.compile("[^\x00-\x7f]"),)


def _badness_regex() -> re.Pattern[str]:
    """ftfy's ``BADNESS_RE``, without importing ftfy when it is not yet:
    that takes a tenth of a second (its character tables, wcwidth), and
    most runs never need ftfy itself. Its ``badness`` module uses only
    ``re`` and ``warnings``, so it is read on its own (through the package
    when that fails)."""
    found = _badness_read_alone() if "ftfy" not in sys.modules else None
    if found is not None:
        return found
    from ftfy.badness import BADNESS_RE

    return BADNESS_RE


def _badness_read_alone() -> re.Pattern[str] | None:
    try:
        package = importlib.util.find_spec("ftfy")
        spec = importlib.util.spec_from_file_location(
            "_cleaner_ftfy_badness", Path(package.origin).parent / "badness.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.BADNESS_RE
    except Exception:  # noqa: BLE001 - any surprise: ftfy is imported instead
        return None


def _derived_prefilters() -> tuple[re.Pattern[str], ...]:
    """Regexes that together match wherever ftfy's badness pattern does.
    Each branch of it is searched for twice: cut down to the characters
    Vietnamese text uses all the time (matches made only of those), and
    anchored on each of its rare characters in turn, with the rest of the
    branch checked around it (matches holding a rare character). The
    scans start with classes of non-ASCII characters, which the engine
    skips to quickly; branches sharing a scan check by look-behind that
    the character it starts with is their own (a plain alternation would
    be tried branch by branch at every position). A branch too complex to
    anchor makes any of its rare characters enough."""
    badness = _badness_regex()
    tree = sre_parse.parse(badness.pattern, badness.flags)
    (op, value), = list(tree)
    branches = value[1] if op is sre_constants.BRANCH else [list(tree)]
    allowed = _ASCII | VIETNAMESE_COMMON
    named: set[str] = set()
    reduced: dict[str, set[str]] = {}  # the rest of a branch -> its first characters
    whole: list[str] = []  # branches that do not start with a plain class
    rare_anywhere: set[str] = set()  # rare characters of branches that cannot be anchored
    for branch in branches:
        parts = _reduce(list(branch), allowed, named)
        if parts is not None:
            chars, rest = _searchable(parts)
            if chars is None or not chars.isdisjoint(_ASCII):
                whole.append(_searchable_pattern(parts))
            else:
                reduced.setdefault(rest, set()).update(chars)
        for anchor, rest in _rare_anchored(list(branch), allowed, rare_anywhere):
            reduced.setdefault(rest, set()).update(anchor)
    patterns = [_class(rare_anywhere)[:-1] + _OTHER_SIGNALS[1:]]
    if reduced:
        starts = set().union(*reduced.values())
        anchored = _class(starts) + "(?:" + "|".join(
            f"(?<={_class(chars)}){rest}" for rest, chars in reduced.items()) + ")"
        patterns.append(anchored)
        _BRANCHES[anchored + _LINE_REST] = tuple((rest, frozenset(chars)) for rest, chars in reduced.items())
    # "[^\\n]*": one match per line is enough (Wikipedia text holds many
    # rare characters such as ° or ², each a match object otherwise).
    return tuple(regex_cache.compile(p + _LINE_REST) for p in dict.fromkeys(patterns + whole))


_LINE_REST = "[^\\n]*"
# The anchored pattern's branches (the rest after its first character, the
# first characters it takes), for trying only those of one character.
_BRANCHES: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {}


@lru_cache(maxsize=8)
def _branch_groups(source: str) -> dict[str, tuple[int, ...]]:
    """For each first character of the anchored pattern ``source``, the
    branches that may follow it (the others' look-behind fails there)."""
    branches = _BRANCHES[source]
    chars = set().union(*(chars for _rest, chars in branches))
    return {char: tuple(i for i, (_rest, chars) in enumerate(branches) if char in chars) for char in chars}


# Trying all the anchored pattern's branches costs a few microseconds a
# character; cut down to one character's branches it is cheaper, but
# compiling that costs milliseconds: done for the characters met often in
# this process ("Đ" thousands of times in 10 MB of Vietnamese, "¥" never).
CUT_AFTER = 64
_CUT: dict[tuple[str, tuple[int, ...]], re.Pattern[str]] = {}
_CUT_SEEN: dict[tuple[str, tuple[int, ...]], int] = {}


def _cut_pattern(source: str, group: tuple[int, ...]) -> re.Pattern[str] | None:
    """The anchored pattern with only the branches ``group`` (at a
    character they may follow: the same matches), once it has been asked
    for often enough; None before."""
    key = (source, group)
    found = _CUT.get(key)
    if found is None:
        seen = _CUT_SEEN[key] = _CUT_SEEN.get(key, 0) + 1
        if seen < CUT_AFTER:
            return None
        # "[^\\n]": the character the branches follow, already known.
        found = _CUT[key] = regex_cache.compile(
            "[^\\n](?:" + "|".join(_BRANCHES[source][i][0] for i in group) + ")" + _LINE_REST)
    return found


def _rare_anchored(branch, allowed: frozenset[str], rare_anywhere: set[str]) -> list[tuple[set[str], str]]:
    """For a branch of one-character elements: for each element that names
    rare characters, (those characters, the pattern after one of them: the
    elements before it as a look-behind, the ones after it as they are).
    A branch with other elements (repeats) adds its rare characters to
    ``rare_anywhere`` instead."""
    named: set[str] = set()
    parts = _reduce(branch, None, named)
    rare = named - allowed
    if not rare:
        return []
    if parts is None or any(p.startswith("(?:") or p == "^" for p, _ in parts):
        rare_anywhere.update(rare)
        return []
    anchored = []
    for index, (_pattern, chars) in enumerate(parts):
        if chars is None or chars.isdisjoint(rare):
            continue
        anchor = chars & rare
        before = "".join(p for p, _ in parts[:index]) + _class(anchor)
        after = "".join(p for p, _ in parts[index + 1:])
        anchored.append((anchor, (f"(?<={before})" if index else "") + after))
    return anchored


def _searchable_pattern(parts: list[tuple[str, set[str] | None]]) -> str:
    chars, rest = _searchable(parts)
    return (_class(chars) if chars is not None else parts[0][0]) + rest


def ftfy_may_change(line: str) -> bool:
    """False only when ftfy (with the repair stage's settings) would
    certainly return ``line`` unchanged."""
    if line.isascii():
        return False
    return any(pattern.search(line) for pattern in _prefilters())


def lines_ftfy_may_change(text: str) -> list[int]:
    """0-based indexes of the lines of ``text`` (split on "\\n") that ftfy
    could change: one scan of the whole text per regex, not one per line."""
    if text.isascii():
        return []
    spans = _spans_by_starts(text) if len(text) >= BY_STARTS_AFTER else None
    if spans is None:
        spans = [m.span() for pattern in _prefilters() for m in pattern.finditer(text)]
    if not spans:
        return []
    # A match that spans lines (through \\s) marks every line it covers, so
    # it cannot hide a match that starts inside it.
    newlines = [m.start() for m in re.finditer("\n", text)]
    found: set[int] = set()
    for start, end in spans:
        found.update(range(bisect_right(newlines, start), bisect_right(newlines, max(start, end - 1)) + 1))
    return sorted(found)


# --- character tables over a whole text, with numpy ---------------------------

# Characters a process looks at with regex scans before numpy is worth
# importing (0.1 s) for table lookups instead.
IMPORT_NUMPY_AFTER = 2_000_000
_SCANNED = [0]
_LAST_CODES: list = [None, None]  # the last text looked up and its code points


def numpy_worth_it(size: int) -> bool:
    """Whether to use numpy for a text of ``size`` characters: it is
    imported already, or this process has looked at enough text that the
    import pays (counted here)."""
    if "numpy" in sys.modules:
        return True
    _SCANNED[0] += size
    return _SCANNED[0] >= IMPORT_NUMPY_AFTER


def code_points(text: str):
    """The code points of ``text`` as a numpy array of uint16, those beyond
    the BMP as U+FFFF (the tables below give U+FFFF what they give them),
    remembered for the last text (stages ask about the same one in turn);
    None for a text with lone surrogates (or without numpy)."""
    if _LAST_CODES[0] is text:
        return _LAST_CODES[1]
    try:
        import numpy
        # Two bytes a character, and 64 KB tables that stay in the cache.
        units = text.encode("utf-16-le")
        if len(units) == 2 * len(text):  # nothing beyond the BMP: one unit a character
            codes = numpy.frombuffer(units, dtype=numpy.uint16)
        else:
            wide = numpy.frombuffer(text.encode("utf-32-le"), dtype=numpy.uint32)
            codes = numpy.minimum(wide, _BEYOND_BMP).astype(numpy.uint16)
    except (ImportError, UnicodeEncodeError):
        codes = None
    _LAST_CODES[:] = [text, codes]
    return codes


_BEYOND_BMP = 0xFFFF  # where code_points puts every character beyond the BMP


def forget_code_points() -> None:
    """Drop the remembered code points (four bytes a character): called
    when a document is done, so a long-lived process does not keep them."""
    _LAST_CODES[:] = [None, None]
    _LAST_PRESENT[:] = [None, 0, 0]


# Classes of characters asked about (their tables, each a bit of one
# combined table): the stages ask about the same text in turn, so one
# lookup per text answers for every class asked so far.
_PRESENT_TABLES: list = []
_PRESENT_BITS: dict[int, int] = {}  # id of a table -> its bit
_PRESENT_COMBINED: list = [None]
_LAST_PRESENT: list = [None, 0, 0]  # the last text, the classes it holds, how many were asked


def present(text: str, codes, table) -> bool:
    """``table[codes].any()`` (``codes``: the text's ``code_points``): one
    lookup per text in a table that combines every class asked about."""
    import numpy

    bit = _PRESENT_BITS.get(id(table))
    if bit is None:
        if len(_PRESENT_TABLES) == 16:
            return bool(table[codes].any())
        bit = _PRESENT_BITS[id(table)] = len(_PRESENT_TABLES)
        _PRESENT_TABLES.append(table)  # (kept alive: its id stays its own)
        combined = numpy.zeros(0x10000, dtype=numpy.uint16)
        for index, known in enumerate(_PRESENT_TABLES):
            combined |= known.astype(numpy.uint16) << index
        _PRESENT_COMBINED[0] = combined
    if _LAST_PRESENT[0] is not text or bit >= _LAST_PRESENT[2]:
        held = int(numpy.bitwise_or.reduce(_PRESENT_COMBINED[0][codes])) if len(codes) else 0
        _LAST_PRESENT[:] = [text, held, len(_PRESENT_TABLES)]
    return bool(_LAST_PRESENT[1] >> bit & 1)


@lru_cache(maxsize=32)
def char_table(chars: str, outside: bool = False):
    """A lookup table over ``code_points``: True for ``chars`` (for the
    others when ``outside``); None when some of ``chars`` is beyond the BMP
    or U+FFFF (code_points cannot tell those apart)."""
    import numpy

    if any(ord(char) >= _BEYOND_BMP for char in chars):
        return None
    table = numpy.full(0x10000, outside, dtype=bool)
    table[[ord(char) for char in chars]] = not outside
    return table


# Texts at least this long are searched for a class by table lookup.
BY_TABLE_AFTER = 65536


def holds(pattern: re.Pattern[str], text: str) -> bool:
    """``pattern.search(text) is not None`` for a pattern that is one class
    of characters; a long text by table lookups over its code points
    (a regex scan tests each character in turn, ~5 ms per MB)."""
    if len(text) >= BY_TABLE_AFTER and numpy_worth_it(len(text)):
        table = class_table(pattern)
        codes = code_points(text) if table is not None else None
        if codes is not None:
            return present(text, codes, table)
    return pattern.search(text) is not None


@lru_cache(maxsize=64)
def class_table(pattern: re.Pattern[str]):
    """The lookup table of a pattern made of one class of listed characters
    and ranges; None for any other pattern."""
    tree = list(sre_parse.parse(pattern.pattern, pattern.flags))
    return _first_class_table(pattern, tree) if len(tree) == 1 else None


def _first_class_table(pattern: re.Pattern[str], tree):
    """The lookup table of the characters the first element of a parsed
    pattern takes, when it is a class of listed characters and ranges (or
    one character); else None."""
    if pattern.flags & re.IGNORECASE or not tree or tree[0][0] not in (sre_constants.IN, sre_constants.LITERAL):
        return None
    items = tree[0][1] if tree[0][0] is sre_constants.IN else [tree[0]]
    import numpy

    table = numpy.zeros(0x10000, dtype=bool)
    for op, value in items:
        if op is sre_constants.LITERAL and value < _BEYOND_BMP:
            table[value] = True
        elif op is sre_constants.RANGE and value[1] < _BEYOND_BMP:
            table[value[0]:value[1] + 1] = True
        else:  # a category, a negation, or beyond the BMP (see code_points)
            return None
    return table


def lines_holding(codes, table):
    """For each line of a text (split on "\\n"; ``codes``: its
    ``code_points``), whether it holds a character of ``table``: a numpy
    array of booleans."""
    import numpy

    mask = table[codes]
    starts = numpy.concatenate(([0], numpy.flatnonzero(codes == 10) + 1))
    held = numpy.zeros(len(starts), dtype=bool)
    # A text that ends with "\\n" ends with an empty line: nothing to reduce.
    inside = starts[starts < len(codes)]
    if len(inside):
        held[:len(inside)] = numpy.logical_or.reduceat(mask, inside)
    return held


# Beyond this many characters the pre-check looks for the characters its
# matches start with through numpy (a table lookup per character) and tries
# the patterns only there: the regex engine's own scan tests a class of
# hundreds of characters at every position (~0.2 s per 10 MB).
BY_STARTS_AFTER = 65536


def warm_precheck() -> None:
    """Build the pre-check's patterns, its start table, branch groups and
    neighbour tables now (a big run: before worker processes fork)."""
    _start_table(_prefilters())
    for pattern in _prefilters():
        if pattern.pattern in _BRANCHES:
            _neighbour_pairs(pattern.pattern)  # (its branch groups too)


def _spans_by_starts(text: str) -> list[tuple[int, int]] | None:
    """The spans ``finditer`` of each pre-check pattern gives, found by
    trying the patterns only where a character their matches start with
    stands; None when that cannot be done (no numpy, lone surrogates)."""
    if not numpy_worth_it(len(text)):
        return None
    starts = _start_table(_prefilters())
    codes = code_points(text) if starts is not None else None
    if codes is None:
        return None
    import numpy

    marks = starts[codes]
    positions = numpy.flatnonzero(marks)
    spans: list[tuple[int, int]] = []
    for bit, pattern in enumerate(_prefilters()):
        end = 0
        groups = _branch_groups(pattern.pattern) if pattern.pattern in _BRANCHES else None
        mine = positions[(marks[positions] >> bit) & 1 == 1]
        if groups is not None:
            mine = _may_match_at(pattern.pattern, codes, mine)
        # As finditer: the leftmost match at or after the previous one's end.
        for position in mine.tolist():
            if position < end:
                continue
            if groups is not None:  # only the branches that may follow this character
                group = groups.get(text[position])
                if group is None:
                    continue
                found = (_cut_pattern(pattern.pattern, group) or pattern).match(text, position)
            else:
                found = pattern.match(text, position)
            if found is not None:
                spans.append(found.span())
                end = found.end()
    return spans


def _may_match_at(source: str, codes, positions):
    """The ``positions`` (of characters the anchored pattern ``source``
    starts with) where the characters just before and after may be what
    some branch that follows that character names there (its look-behind,
    its next element), found for all positions at once by table lookups:
    "Đ" stands thousands of times in Vietnamese text, and its branch wants
    a mojibake letter before it. Only positions where the pattern cannot
    match are dropped."""
    import numpy

    if not len(positions):
        return positions
    firsts = codes[positions].astype(numpy.uint32)
    last = len(codes) - 1
    keep = numpy.ones(len(positions), dtype=bool)
    for offset, (free, pairs) in zip((-1, 1), _neighbour_pairs(source)):
        near = positions + offset
        inside = (near >= 0) & (near <= last)
        pair = (firsts << 16) | codes[numpy.clip(near, 0, last)]
        found = pairs[numpy.minimum(numpy.searchsorted(pairs, pair), len(pairs) - 1)] == pair
        keep &= free[firsts] | (inside & found)
    return positions[keep]


@lru_cache(maxsize=8)
def _neighbour_pairs(source: str):
    """For the characters before (then after) the first one: a table of the
    first characters whose branches do not all name it (any passes), and
    the sorted pairs (first << 16 | neighbour) the others allow."""
    import numpy

    sides = []
    for offset in (-1, 1):
        free = numpy.ones(0x10000, dtype=bool)
        pairs: set[int] = set()
        for char, branches in _branch_groups(source).items():
            allowed: set[int] = set()
            for branch in branches:
                named = _neighbours(source, branch).get(offset)
                if named is None:
                    break
                allowed |= named
            else:
                free[ord(char)] = False
                pairs.update((ord(char) << 16) | code for code in allowed)
        sides.append((free, numpy.array(sorted(pairs) or [0xFFFFFFFF], dtype=numpy.uint32)))
    return sides


@lru_cache(maxsize=1024)
def _neighbours(source: str, branch: int) -> dict[int, frozenset[int]]:
    """What branch ``branch`` of the anchored pattern names around the
    character it follows, one character at a time: offset from it -> the
    code points (as code_points gives them: U+FFFF for any beyond the BMP,
    which is always allowed) taken there; from its look-behind and its
    next element."""
    rest = _BRANCHES[source][branch][0]
    try:
        tree = list(sre_parse.parse(rest))
    except (re.error, RecursionError):
        return {}
    found: dict[int, frozenset[int]] = {}
    if tree and tree[0][0] is sre_constants.ASSERT and tree[0][1][0] == -1:
        behind = [_single_codes(element) for element in tree[0][1][1]]
        if None in behind:
            return {}  # not one character an element: offsets unknown
        # The look-behind's last element is the first character itself.
        found = {k - len(behind) + 1: codes for k, codes in enumerate(behind)}
        tree = tree[1:]
    if tree:
        codes = _single_codes(tree[0])
        if codes is not None:
            found[1] = codes
    return found


def _single_codes(element) -> frozenset[int] | None:
    """The code points a parsed element of one character of a listed class
    takes (U+FFFF too); None for anything else."""
    op, value = element
    if op is sre_constants.LITERAL:
        items = [element]
    elif op is sre_constants.IN:
        items = value
    else:
        return None
    chars, unknown = _item_chars(items)
    if unknown:
        return None
    return frozenset(min(ord(char), _BEYOND_BMP) for char in chars) | {_BEYOND_BMP}


@lru_cache(maxsize=1)
def _start_table(patterns: tuple[re.Pattern[str], ...]):
    """For each code point, bit k set when a match of ``patterns[k]`` may
    start with it; None when some pattern's first character is not a plain
    class (or there are too many patterns for the bits)."""
    import numpy

    if len(patterns) > 8:
        return None
    table = numpy.zeros(0x10000, dtype=numpy.uint8)
    for bit, pattern in enumerate(patterns):
        first = _first_class_table(pattern, list(sre_parse.parse(pattern.pattern, pattern.flags))[:1])
        if first is None:
            return None
        table[first] |= 1 << bit
    return table


# The last few texts found NFC, kept alive so that their ids stay their
# own: the chrome stage and normalization ask about the same long text.
_KNOWN_NFC: list[str] = []


# Beyond this many characters NFC is checked and made line by line: one
# combining mark anywhere (NFC or not) makes unicodedata normalize the
# whole text to answer, and lines are independent ("\n" neither composes
# with a mark nor lets marks be reordered across it).
LINEWISE_AFTER = 4096


def is_nfc(text: str) -> bool:
    """``unicodedata.is_normalized("NFC", text)``, remembered for the last
    few texts that were."""
    if any(text is known for known in _KNOWN_NFC):
        return True
    if _only_stable_characters(text):
        found = True
    elif len(text) <= LINEWISE_AFTER:
        found = unicodedata.is_normalized("NFC", text)
    else:
        found = all(map(_line_is_nfc, text.split("\n")))
    if found:
        _KNOWN_NFC.append(text)
        del _KNOWN_NFC[:-4]
    return found


def _only_stable_characters(text: str) -> bool:
    """Whether a long text holds only characters that NFC leaves as they
    are whatever surrounds them (then it is NFC), by table lookup over its
    code points; False when that is not known."""
    if len(text) < BY_TABLE_AFTER or not numpy_worth_it(len(text)):
        return False
    codes = code_points(text)
    if codes is None:
        return False
    return not present(text, codes, _nfc_unstable_table())


@lru_cache(maxsize=1)
def _nfc_unstable_table():
    """The BMP characters NFC may change or that may change with their
    neighbours: combining marks (ccc > 0; they may be reordered or composed
    with the letter before), characters NFC replaces, and those that
    compose with the character before them as the second of a pair (Hangul
    vowel and final jamo, some Indic vowel signs). U+FFFF stands for the
    characters beyond the BMP (code_points): marked too."""
    import numpy

    table = numpy.zeros(0x10000, dtype=bool)
    table[_BEYOND_BMP] = True
    table[0x1161:0x1176] = True  # Hangul vowel jamo: L + V compose
    table[0x11A8:0x11C3] = True  # Hangul final jamo: LV + T compose
    combining, decomposition = unicodedata.combining, unicodedata.decomposition
    for code in range(0x10000):
        char = chr(code)
        if combining(char):
            table[code] = True
        found = decomposition(char)  # (only a character with one may be replaced)
        if found and found[0] != "<":  # canonical
            if unicodedata.normalize("NFC", char) != char:
                table[code] = True
            parts = found.split()
            if len(parts) == 2 and int(parts[1], 16) < 0x10000:
                table[int(parts[1], 16)] = True
    return table


def _line_is_nfc(line: str) -> bool:
    return unicodedata.is_normalized("NFC", line)


def to_nfc(text: str) -> str:
    """``unicodedata.normalize("NFC", text)``; a long text line by line
    (see LINEWISE_AFTER)."""
    if is_nfc(text):
        return text
    if len(text) <= LINEWISE_AFTER:
        return unicodedata.normalize("NFC", text)
    return "\n".join([unicodedata.normalize("NFC", line) for line in text.split("\n")])
