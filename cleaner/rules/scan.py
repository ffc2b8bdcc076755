"""Find, in a few scans of a whole document, the lines some rule may match.

Trying the rules line by line costs a handful of regex calls per line, and
most lines of most documents match nothing. Here each rule becomes part of
a few combined patterns, each run over the whole text in one form (the
lines normalized; casefolded; without diacritics), and only the lines these
scans point at are tried rule by rule (cleaner.rules.index). A scan may
point at a line no rule matches, never miss one that some rule does: the
patterns are the rules' own, joined and applied to the same forms of the
lines, or weaker necessary conditions (a word every match contains). A rule
that cannot be made into such a scan (a user's pattern, a negative
look-around) makes every line a candidate, as before.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..regex_tree import class_item, sre_constants, sre_parse
from .model import BLOCK_KINDS, Rule, _TrustedPattern
from .text import DECORATION, strip_marks, strip_marks_text, trie_pattern

# Decoration a label may carry (text._EDGE_LEFT/_EDGE_RIGHT), without "\n".
_SPACE = r"[^\S\n]"
_LEFT = rf"(?:{_SPACE}|[{DECORATION}]|\[|\])*"
_RIGHT = (rf"(?:{_SPACE}|[{DECORATION}.]|\({_SPACE}*\*?{_SPACE}*\)|\({_SPACE}*\d[\d.,]*{_SPACE}*\)"
          rf"|\[|\])*")
SEGMENTED_MAX = 200  # longer lines are never a row of chrome parts
# A line short enough to be a row of chrome parts with what splits one
# (engine._SEGMENT_SPLIT).
_SEGMENT = re.compile(rf"\n(?=[^\n]{{0,{SEGMENTED_MAX}}}\n)[^\n]*?(?:[|•·]|\s[-–]\s)")
# Constructs whose meaning changes when the line is followed by "\n"
# instead of ending the text.
_LINE_BOUND = re.compile(r"\\[AZ]|\(\?<?!")
MIN_FACTOR = 4  # shorter required words are too common to be worth a scan
COMPILE_AFTER_LINES = 5000  # lines tried rule by rule before the scans are compiled


class LineFinder:
    """The scans for one rule set."""

    def __init__(self, rules: tuple[Rule, ...]):
        self.every_line = False
        # (pattern, longest line it may match) tried at each line's start,
        # per form of the text; phrase labels per rule length.
        casefolded: list[tuple[str, int]] = []  # prefix / phrase-set of folding rules
        plain: list[tuple[str, int]] = []  # rules that do not fold; anchored regex rules
        stripped: list[tuple[str, int]] = []  # anchored regex rules that fold
        labels: dict[tuple[bool, int], set[str]] = {}  # (folds, max length) -> labels
        counters: dict[tuple[bool, int], list[str]] = {}
        searches = {False: [], True: []}  # unanchored regex rules without required words
        # Words one of which every match of a pattern holds: found with
        # str.find, far faster than the pattern (per fold: case ignored).
        words = {False: set(), True: set()}
        for rule in rules:
            variants, _ends = rule._compiled
            kind, longest = rule.match, rule.max_length
            if kind in ("phrase",) + BLOCK_KINDS:
                bucket = labels.setdefault((rule.fold, longest), set())
                for folded in (False, True):
                    bucket.update(label.casefold() if rule.fold else label for label in variants[folded])
            elif kind in ("counter", "prefix", "phrase-set"):
                for folded in (False, True):
                    source = variants[folded].pattern.replace(r"\Z", r"(?=\n)")
                    if kind == "counter":
                        counters.setdefault((rule.fold, longest), []).append(source)
                    else:
                        (casefolded if rule.fold else plain).append((_guarded(source, False), longest))
            elif kind == "regex" and isinstance(variants[False], _TrustedPattern):
                for pattern in rule.patterns:
                    source = strip_marks(pattern) if rule.fold else pattern
                    if _LINE_BOUND.search(source):
                        self.every_line = True
                    elif anchored(source):
                        (stripped if rule.fold else plain).append((_guarded(source[1:], rule.fold), longest))
                    elif required := required_words(source, ignore_case=rule.fold):
                        words[rule.fold].update(required)
                    else:
                        searches[rule.fold].append(source)
            else:  # a user's regex (own engine and time limit), an unknown kind
                self.every_line = True
        # A label is the line without its decoration; counters read it too.
        for key in set(labels) | set(counters):
            folds, longest = key
            alternatives = ([trie_pattern(labels[key])] if labels.get(key) else []) + counters.get(key, [])
            (casefolded if folds else plain).append(
                (_guarded(rf"{_LEFT}(?:{'|'.join(alternatives)}){_RIGHT}(?=\n)", False), longest))
        self._sources = (casefolded, plain, stripped, searches)
        self._compiled = False
        self._seen = 0  # lines looked at before the scans were compiled
        self.plain_words = sorted(words[False])
        self.folded_words = sorted(words[True])

    def prepare(self) -> None:
        """Compile the scans now (``lines`` does once enough lines came)."""
        casefolded, plain, stripped, searches = self._sources
        self._compiled = True
        try:
            # casefold() may lengthen a line (ß -> ss, three characters at most):
            # then the look-aheads on line lengths allow for it.
            self.casefolded = _compile_starts(casefolded, 0)
            self._casefolded_longer: re.Pattern[str] | None = None
            self.plain = _compile_starts(plain, 0)
            self.stripped = _compile_starts(stripped, re.IGNORECASE)
            self.plain_search = _compile_any(searches[False], 0)
            self.stripped_search = _compile_any(searches[True], re.IGNORECASE)
        except (re.error, OverflowError, RecursionError):  # e.g. a global (?i) inside a pattern
            self.every_line = True

    def lines(self, norms: list[str]) -> tuple[set[int], set[int]] | None:
        """Indexes of the lines (normalized) some rule may match, and of the
        short lines split into parts that some rules may match one by one;
        None: every line may."""
        if self.every_line:
            return None
        if not self._compiled:
            # Compiling the scans takes a few tenths of a second: worth it
            # once a process has many lines to look at, not for a few.
            self._seen += len(norms)
            if self._seen < COMPILE_AFTER_LINES:
                return None
            self.prepare()
            if self.every_line:
                return None
        text = "\n" + "\n".join(norms) + "\n"
        found: set[int] = set()
        segmented: set[int] = set()
        _scan(_SEGMENT, text, segmented, True)
        _scan(self.plain, text, found, True)
        _scan(self.plain_search, text, found, False)
        for word in self.plain_words:
            _find_all(text, word, found)
        if self.casefolded is not None:
            folded = text.casefold()
            pattern = self.casefolded
            if len(folded) != len(text):
                if self._casefolded_longer is None:
                    self._casefolded_longer = _compile_starts(self._sources[0], 0, stretch=3)
                pattern = self._casefolded_longer
            _scan(pattern, folded, found, True)
        if self.stripped is not None or self.stripped_search is not None or self.folded_words:
            bare = strip_marks_text(text)
            _scan(self.stripped, bare, found, True)
            _scan(self.stripped_search, bare, found, False)
            if self.folded_words:
                lower = bare.lower()
                for word in self.folded_words:
                    _find_all(lower, word, found)
                # IGNORECASE matches "ſ", "ı"... to ASCII letters, lower()
                # does not: their lines are tried rule by rule.
                for char in IGNORECASE_EXTRA:
                    _find_all(lower, char, found)
        return found, segmented


@lru_cache(maxsize=64)
def finder_for(rules: tuple[Rule, ...]) -> LineFinder:
    return LineFinder(rules)


def _compile_starts(items: list[tuple[str, int]], flags: int, stretch: int = 1) -> re.Pattern[str] | None:
    """Patterns tried at each line's start: "\\n" then any of them (the
    text starts with "\\n"; the literal lets the engine skip to each line).
    Those for lines up to the same length share a look-ahead on it: a long
    line is dismissed before the patterns are tried."""
    if not items:
        return None
    by_length: dict[int, list[str]] = {}
    for source, longest in items:
        by_length.setdefault(longest * stretch, []).append(source)
    groups = [rf"(?=[^\n]{{0,{longest}}}\n)(?:" + "|".join(f"(?:{_within_line(source)})" for source in sources)
              + ")" for longest, sources in sorted(by_length.items())]
    return re.compile("\n(?:" + "|".join(groups) + ")", flags | re.MULTILINE)


def _compile_any(sources: list[str], flags: int) -> re.Pattern[str] | None:
    if not sources:
        return None
    return re.compile("|".join(f"(?:{_within_line(source)})" for source in sources), flags | re.MULTILINE)


def _scan(pattern: re.Pattern[str] | None, text: str, found: set[int], at_start: bool) -> None:
    """Add the line of every match start. After a match the search goes on
    at the next line, so a match that runs past its line hides nothing."""
    if pattern is None:
        return
    position, line, counted = 0, 0, 0
    search = pattern.search
    while True:
        match = search(text, position)
        if match is None:
            return
        start = match.start()
        # Line k of the document runs after the (k+1)-th "\n" of the text.
        line += text.count("\n", counted, start + at_start)
        counted = start + at_start
        found.add(max(line - 1, 0))
        position = text.find("\n", counted)
        if position < 0:
            return
        if not at_start:
            position += 1


def _find_all(text: str, word: str, found: set[int]) -> None:
    position, line, counted = 0, 0, 0
    while (start := text.find(word, position)) >= 0:
        line += text.count("\n", counted, start)
        counted = start
        found.add(max(line - 1, 0))
        next_line = text.find("\n", start)
        if next_line < 0:
            return
        position = next_line + 1


# Characters that IGNORECASE matches to an ASCII letter but that
# str.lower() does not make ASCII (tests/test_rules.py checks the list
# against the re module of the running Python).
IGNORECASE_EXTRA = ("\u0130", "\u0131", "\u017f")  # İ ı ſ


def anchored(pattern: str) -> bool:
    """Whether every match of ``pattern`` starts at the start of the line:
    it begins with ``^`` and has no top-level ``|``."""
    if not pattern.startswith("^"):
        return False
    depth, i, in_class = 0, 1, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "^":
                i += 1
            if pattern[i + 1:i + 2] == "]":  # a leading ] is a literal
                i += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return False
        i += 1
    return True


# Every space but "\n" ("\s" is str.isspace), as class items.
_SPACE_ITEMS = r"\t\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_OUTSIDE = {"s": r"[^\S\n]", "W": r"[^\w\n]", "D": r"[^\d\n]"}


def _within_line(source: str) -> str:
    """``source`` kept from matching "\\n": a negated class (``[^.!?]``),
    ``\\s``, ``\\W`` and ``\\D`` leave it out. Within one line nothing
    changes; over the joined text a repeat such as ``[^.!?]{8,200}`` or
    ``[\\s|]*`` no longer runs on into the following lines (which made a
    scan of many short lines quadratic)."""
    out, i, in_class = [], 0, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            pair = source[i:i + 2]
            if in_class and pair == r"\s":
                out.append(_SPACE_ITEMS)
            elif not in_class and pair[1:] in _OUTSIDE:
                out.append(_OUTSIDE[pair[1:]])
            else:
                out.append(pair)
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            if source[i + 1:i + 2] == "^":
                out.append("[^\\n")
                i += 2
                if source[i:i + 1] == "]":  # a leading "]" is a literal
                    out.append("\\]")
                    i += 1
                continue
            out.append(char)
            if source[i + 1:i + 2] == "]":
                out.append("\\]")
                i += 1
        else:
            out.append(char)
        i += 1
    return "".join(out)


def _parsed(source: str, ignore_case: bool) -> list | None:
    """The parsed top-level sequence of a pattern, or None when it does not
    parse or sets its own case flag (a global ``(?i)``)."""
    try:
        parsed = sre_parse.parse(source, re.IGNORECASE if ignore_case else 0)
    except re.error:
        return None
    if bool(parsed.state.flags & re.IGNORECASE) != ignore_case:
        return None
    return list(parsed)


def _guarded(source: str, ignore_case: bool) -> str:
    """``source`` behind a look-ahead for the characters its matches can
    start with, when they are known: in a scan that tries many patterns at
    every line, most are then dismissed by one character test."""
    tree = _parsed(source, ignore_case)
    if tree is None:
        return source
    items = _first_items(tree)
    if not items or _nullable(tree):
        return source
    return f"(?=[{''.join(sorted(items))}])(?:{source})"


def _first_items(sequence) -> set[str] | None:
    """Class items (``a``, ``0-9``, ``\\d``) covering the first character of
    every non-empty match of a parsed sequence; None when unknown."""
    items: set[str] = set()
    for op, value in sequence:
        if op is sre_constants.AT:
            continue  # zero-width
        nullable = False
        if op is sre_constants.LITERAL:
            found = {class_item(op, value)}
        elif op is sre_constants.IN:
            found = {class_item(item_op, item) for item_op, item in value}
            if None in found:  # a negated class, other categories
                return None
        elif op is sre_constants.SUBPATTERN:
            if value[1] or value[2]:  # scoped flags such as (?i:...): not worth following
                return None
            found = _first_items(list(value[-1]))
            nullable = found is not None and _nullable(list(value[-1]))
        elif op is sre_constants.BRANCH:
            found = set()
            for branch in value[1]:
                branch_items = _first_items(list(branch))
                if branch_items is None:
                    return None
                found |= branch_items
                nullable = nullable or _nullable(list(branch))
        elif op is sre_constants.MAX_REPEAT or op is sre_constants.MIN_REPEAT:
            found = _first_items(list(value[2]))
            nullable = value[0] == 0 or (found is not None and _nullable(list(value[2])))
        else:
            return None
        if found is None:
            return None
        items |= found
        if not nullable:
            return items
    return items  # the sequence may match the empty string: the caller checks _nullable


def _nullable(sequence) -> bool:
    """Whether a parsed sequence may match the empty string (unknown
    constructs count as nullable: the caller then stays safe)."""
    for op, value in sequence:
        if op is sre_constants.AT:
            continue
        if op in (sre_constants.LITERAL, sre_constants.IN, sre_constants.NOT_LITERAL, sre_constants.ANY):
            return False
        if op is sre_constants.SUBPATTERN:
            if not _nullable(list(value[-1])):
                return False
        elif op is sre_constants.BRANCH:
            if not any(_nullable(list(branch)) for branch in value[1]):
                return False
        elif op is sre_constants.MAX_REPEAT or op is sre_constants.MIN_REPEAT:
            if value[0] > 0 and not _nullable(list(value[2])):
                return False
        else:
            return True
    return True


def required_words(pattern: str, ignore_case: bool = True) -> list[str] | None:
    """ASCII words (lower-cased with ``ignore_case``) one of which every
    match of ``pattern`` contains, each at least MIN_FACTOR long; None when
    there are no such words."""
    tree = _parsed(pattern, ignore_case)
    if tree is None:
        return None
    words = _required(tree, ignore_case)
    if not words or min(map(len, words)) < MIN_FACTOR:
        return None
    return sorted(words)


def _required(sequence, ignore_case: bool) -> set[str] | None:
    """The best set of required words of a parsed sequence."""
    options: list[set[str]] = []
    run: list[str] = []
    for op, value in sequence:
        if op is sre_constants.LITERAL and chr(value).isascii():
            run.append(chr(value).lower() if ignore_case else chr(value))
            continue
        if run:
            options.append({"".join(run)})
            run = []
        if op is sre_constants.SUBPATTERN:
            # scoped flags such as (?i:...) change what the words may look like
            inner = None if value[1] or value[2] else _required(list(value[-1]), ignore_case)
            if inner:
                options.append(inner)
        elif op is sre_constants.BRANCH:
            branches = [_required(list(branch), ignore_case) for branch in value[1]]
            if branches and all(branches):
                options.append(set().union(*branches))
        elif op is sre_constants.MAX_REPEAT or op is sre_constants.MIN_REPEAT:
            low, _high, inner_sequence = value
            inner = _required(list(inner_sequence), ignore_case) if low >= 1 else None
            if inner:
                options.append(inner)
    if run:
        options.append({"".join(run)})
    options = [option for option in options if option]
    if not options:
        return None
    return max(options, key=lambda option: min(map(len, option)))
