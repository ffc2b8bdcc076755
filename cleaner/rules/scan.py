"""Find, in a few passes over a whole document, the lines some rule may match.

Trying the rules line by line costs a handful of regex calls per line, and
most lines of most documents match nothing. Here each pattern's clue
(cleaner.rules.clues) is looked for in the whole text at once: the first
two words of every line come out of one regex pass and are looked up; the
first or last characters and rare characters some patterns need are found
with ``str.find`` (and the lines that have them tried with the pattern);
the words some patterns need are found in the text folded to ASCII. Only
the lines found are tried rule by rule (cleaner.rules.index). A pattern
without a clue becomes part of a few combined patterns run over the text
in the form it reads (casefolded, or without diacritics). A pass may point
at a line no rule matches, never miss one that some rule does. A user's
pattern (its own engine and time limit) makes every line a candidate.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .. import regex_cache
from ..regex_tree import class_item, sre_constants, sre_parse
from .clues import (KeyLimits, _nullable, _parsed, anchored, composed_with, heads, line_key, pattern_clue, rule_keys,
                    tail_pattern, word_key)
from .model import KINDS, Rule, _TrustedPattern
from .text import COMBINING, DECORATION, ascii_folded, strip_marks, strip_marks_text

# Decoration a label may carry (text._EDGE_LEFT/_EDGE_RIGHT), without "\n".
_SPACE = r"[^\S\n]"
_LEFT = rf"(?:{_SPACE}|[{DECORATION}]|\[|\])*"
_RIGHT = (rf"(?:{_SPACE}|[{DECORATION}.]|\({_SPACE}*\*?{_SPACE}*\)|\({_SPACE}*\d[\d.,]*{_SPACE}*\)"
          rf"|\[|\])*")
SEGMENTED_MAX = 200  # longer lines are never a row of chrome parts
# What splits a row of chrome parts (engine._SEGMENT_SPLIT) inside a
# normalized line, whose only space is " ".
_SEGMENT_SEPARATORS = ("|", "•", "·", " - ", " – ")
# Constructs whose meaning changes when the line is followed by "\n"
# instead of ending the text.
_LINE_BOUND = re.compile(r"\\[AZ]|\(\?<?!")
COMPILE_AFTER_LINES = 1000  # lines tried rule by rule before the scans are compiled
HIT_CACHE = 20_000  # first words (and pairs) remembered as keys or not; then forgotten


class LineFinder:
    """The scans for one rule set."""

    def __init__(self, rules: tuple[Rule, ...]):
        self.rules = rules
        # A user's regex (own engine and time limit) or an unknown kind:
        # every line is a candidate.
        self.every_line = any(
            rule.match not in KINDS or (rule.match == "regex" and not isinstance(rule._compiled[0][False],
                                                                                  _TrustedPattern))
            for rule in rules)
        # No rule matches a line longer than its max_length: the scans
        # read longer lines (most paragraphs) as empty ones.
        self.longest = max((rule.max_length for rule in rules), default=0)
        self._compiled = False
        self._seen = 0  # lines looked at before the scans were compiled
        self.word_lines: set[int] = set()  # of the last call to ``lines``
        self.plain_words: list[str] = []
        self.folded_words: list[str] = []

    def prepare(self) -> None:
        """Compile the scans now (``lines`` does once enough lines came).
        Most patterns give a clue (cleaner.rules.clues: the line's first
        word, a word or character it holds, its last character), far
        cheaper to look for than the pattern; the others become part of a
        few combined patterns."""
        self._compiled = True
        if self.every_line:
            return
        keys = KeyLimits()
        # A pattern whose clue is a rare character or a last character is
        # tried on the lines that show it (both are weak clues in some
        # texts: many lines end with ")"): (pattern, fold, longest line,
        # characters, scan for the last characters).
        checks: list[tuple] = []
        # Words one of which every match of a pattern holds: found with
        # str.find (per fold: case and diacritics ignored).
        words = {False: set(), True: set()}
        words_longest = 0  # the longest line a rule with words may match
        # (pattern, longest line it may match) tried at each line's start,
        # per form of the text.
        casefolded: list[tuple[str, int]] = []  # prefix / phrase-set of folding rules
        plain: list[tuple[str, int]] = []  # rules that do not fold; anchored regex rules
        stripped: list[tuple[str, int]] = []  # anchored regex rules that fold
        counters: dict[tuple[bool, int], list[str]] = {}
        searches = {False: [], True: []}  # unanchored regex rules without a clue
        for rule in self.rules:
            variants, _ends = rule._compiled
            kind, longest = rule.match, rule.max_length
            if kind != "regex":
                found = rule_keys(rule)
                if found is not None:
                    keys.add(found, longest)
                    continue
                for folded in (False, True):
                    source = variants[folded].pattern.replace(r"\Z", r"(?=\n)")
                    if kind == "counter":
                        counters.setdefault((rule.fold, longest), []).append(source)
                    elif kind in ("prefix", "phrase-set"):
                        (casefolded if rule.fold else plain).append((_guarded(source, False), longest))
                    else:  # labels always have keys
                        self.every_line = True
                continue
            for pattern in rule.patterns:  # a regex rule of the built-in packs (__init__)
                source = strip_marks(pattern) if rule.fold else pattern
                clue = pattern_clue(source, rule.fold)
                if clue is not None:
                    if clue.keys is not None:
                        keys.add(clue.keys, longest)
                    words[rule.fold].update(clue.words)
                    if clue.words:
                        words_longest = max(words_longest, longest)
                    if clue.chars or clue.last_chars:
                        tail = tail_pattern(source, rule.fold) if clue.last_chars else None
                        checks.append((regex_cache.compile(source, re.IGNORECASE if rule.fold else 0), rule.fold, longest,
                                       sorted(clue.chars), _edge_scan(clue.last_chars, first=False),
                                       _Tail(tail, rule.fold) if tail else None))
                elif _LINE_BOUND.search(source):
                    self.every_line = True
                elif anchored(source):
                    (stripped if rule.fold else plain).append((_guarded(source[1:], rule.fold), longest))
                else:
                    searches[rule.fold].append(source)
        if self.every_line:
            return
        # A label is the line without its decoration; counters read it too.
        for (folds, longest), alternatives in counters.items():
            (casefolded if folds else plain).append(
                (_guarded(rf"{_LEFT}(?:{'|'.join(alternatives)}){_RIGHT}(?=\n)", False), longest))
        self._sources = (casefolded, plain, stripped, searches)
        self._keys = keys
        # First words and pairs looked up before: the longest line a rule
        # with that key may match (0: none).
        self._head_hits: dict[tuple[str, str], int] = {}
        self._first_word_hits: dict[str, int] = {}
        self._first_scan = _edge_scan(keys.first_chars, first=True)
        self._checks = checks
        self.plain_words = sorted(words[False])
        self.folded_words = sorted(words[True])
        self.words_longest = words_longest
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

    def lines(self, norms: list[str], marks: bool | None = None) -> tuple[set[int], set[int]] | None:
        """Indexes of the lines (normalized) some rule may match, and of the
        short lines split into parts that some rules may match one by one;
        None: every line may. ``marks``: whether the lines hold a combining
        mark, when known."""
        if self.every_line:
            return None
        if not self._compiled:
            # Compiling the scans takes a tenth of a second: worth it once
            # a process has many lines to look at, not for a few.
            self._seen += len(norms)
            if self._seen < COMPILE_AFTER_LINES:
                return None
            self.prepare()
            if self.every_line:
                return None
        if not norms:
            return set(), set()
        text = _bounded(norms, self.longest)
        found: set[int] = set()
        segmented: set[int] = set()
        short = _bounded(norms, SEGMENTED_MAX) if self.longest > SEGMENTED_MAX else text
        for separator in _SEGMENT_SEPARATORS:
            _find_all(short, separator, segmented)
        self._find_by_edges(text, norms, found, marks)
        _scan(self.plain, text, found, True)
        _scan(self.plain_search, text, found, False)
        # The lines that hold some rule's word: the others need not be
        # looked at for words again (Line.words).
        self.word_lines: set[int] = set()
        for word in self.plain_words:
            _find_all(text, word, self.word_lines)
        if self.casefolded is not None:
            folded = text.casefold()
            pattern = self.casefolded
            if len(folded) != len(text):
                if self._casefolded_longer is None:
                    self._casefolded_longer = _compile_starts(self._sources[0], 0, stretch=3)
                pattern = self._casefolded_longer
            _scan(pattern, folded, found, True)
        if self.stripped is not None or self.stripped_search is not None:
            bare = strip_marks_text(text)
            _scan(self.stripped, bare, found, True)
            _scan(self.stripped_search, bare, found, False)
        if self.folded_words:
            folded = ascii_folded(_bounded(norms, self.words_longest) if self.words_longest < self.longest else text)
            for word in self.folded_words:
                _find_all(folded, word.encode(), self.word_lines)
        found |= self.word_lines
        return found, segmented

    def _find_by_edges(self, text: str, norms: list[str], found: set[int], marks: bool | None = None) -> None:
        """Add the lines whose first words are some rule's key, or whose
        first character some rule's match starts with, or that hold the
        rare or last character some pattern needs and match it."""
        hits, first_hits = self._head_hits, self._first_word_hits
        if len(hits) > HIT_CACHE:
            hits.clear()
        if len(first_hits) > HIT_CACHE:
            first_hits.clear()
        if marks is None:
            marks = COMBINING.search(text) is not None
        found_heads = heads(text, marks)
        # Set operations and comprehensions: a loop statement per line
        # would cost more than the regex pass.
        for word in {head[0] for head in found_heads}.difference(first_hits):
            first_hits[word] = self._keys.first_word_limit(word_key(word))
        viable = [(index, head) for index, head in enumerate(found_heads)
                  if 0 < len(norms[index]) <= first_hits[head[0]]]
        for head in {head for _index, head in viable}.difference(hits):
            hits[head] = self._keys.limit(line_key(head))
        found.update([index for index, head in viable if len(norms[index]) <= hits[head]])
        if self._first_scan is not None:
            self._first_scan.find(text, found, marks)
        for pattern, fold, longest, chars, last_scan, tail in self._checks:
            maybe: set[int] = set()
            for char in chars:
                _find_all(text, char, maybe)
            if last_scan is not None:
                if marks or last_scan.chars is None:
                    last_scan.find(text, maybe, marks)
                else:  # many lines end with ")": a loop over the lines costs less than one per find
                    endings = last_scan.endings
                    maybe.update([index for index, norm in enumerate(norms)
                                  if norm.endswith(endings) and len(norm) <= longest])
            for index in maybe - found:
                norm = norms[index]
                if len(norm) > longest or tail is not None and not tail.ends(norm, marks):
                    continue
                # (not through strip_marks' cache: these lines seldom repeat, and
                # long ones would fill it)
                if pattern.search(strip_marks.__wrapped__(norm) if fold else norm):
                    found.add(index)


def _bounded(norms: list[str], longest: int) -> str:
    """The lines joined for a scan ("\\n" before each, one after the
    last), those longer than ``longest`` empty (no rule may match them)."""
    return "\n" + "\n".join([norm if len(norm) <= longest else "" for norm in norms]) + "\n"


class _EdgeScan:
    """The lines that start (``first``) or end with one of some characters
    as rules read them: also with a character that holds one once its
    diacritics are gone, or with a combining mark."""

    def __init__(self, chars, first: bool):
        self.first = first
        every = set(chars).union(*(composed_with(char) for char in chars))
        digits = "0" in every  # clues name every digit "0"
        # Without a combining mark or a digit among them, each character
        # is found with str.find (next to "\n"), far faster than a class.
        self.chars = None if digits else sorted(every)
        self.endings = tuple(self.chars or ())
        listed = "".join(map(re.escape, sorted(every))) + (r"\d" if digits else "")
        edge = f"[{listed}{COMBINING.pattern[1:-1]}]"
        self.pattern = re.compile(f"\n{edge}" if first else f"{edge}(?=\n)")

    def find(self, text: str, found: set[int], marks: bool) -> None:
        """``marks``: whether the text holds a combining mark."""
        if marks or self.chars is None:
            _scan(self.pattern, text, found, self.first)
        elif self.first:
            for char in self.chars:
                # the "\n" found is the one before the line: counted one short
                _find_all(text, "\n" + char, found, shift=1)
        else:
            for char in self.chars:
                _find_all(text, char + "\n", found)


class _Tail:
    """Whether a line ends with what a pattern's last elements match
    (clues.tail_pattern): a quick test of the few last characters before
    the pattern itself (many lines end with ")", few with a date in
    brackets)."""

    def __init__(self, tail: str, fold: bool):
        flags = re.IGNORECASE if fold else 0
        self.pattern = re.compile(f"(?:{tail})$", flags)
        width = sre_parse.parse(tail, flags).getwidth()[1]
        self.width = width if width < 1000 else None  # only that many last characters are looked at
        self.fold = fold

    def ends(self, line: str, marks: bool = True) -> bool:
        """``marks``: whether the text may hold a combining mark."""
        if self.fold and marks and COMBINING.search(line):
            return True  # read without its marks, the line may end so
        start = 0 if self.width is None else max(0, len(line) - self.width)
        return self.pattern.search(line, start) is not None


def _edge_scan(chars, first: bool) -> _EdgeScan | None:
    return _EdgeScan(chars, first) if chars else None


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
    return regex_cache.compile("\n(?:" + "|".join(groups) + ")", flags | re.MULTILINE)


def _compile_any(sources: list[str], flags: int) -> re.Pattern[str] | None:
    if not sources:
        return None
    return regex_cache.compile("|".join(f"(?:{_within_line(source)})" for source in sources), flags | re.MULTILINE)


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


def _find_all(text: str | bytes, word: str | bytes, found: set[int], shift: int = 0) -> None:
    """Add the line of every place ``word`` is found in ``text`` (lines
    after a "\\n" at the start; ``shift`` more "\\n" come before ``text``)."""
    newline = b"\n" if isinstance(text, bytes) else "\n"
    position, line, counted = 0, shift, 0
    while (start := text.find(word, position)) >= 0:
        line += text.count(newline, counted, start)
        counted = start
        found.add(max(line - 1, 0))
        next_line = text.find(newline, start)
        if next_line < 0:
            return
        position = next_line + 1


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
