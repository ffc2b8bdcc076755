"""A chrome rule and its matcher. Rules are data (TOML); this module turns
one validated table into something that tests a line."""

from __future__ import annotations

import fnmatch
import re

import regex
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePath

from .. import regex_cache
from .clues import first_words, line_key
from .text import clean_edges, fold, looks_like_prose, normalize, strip_marks, trie_pattern

# Matcher kinds. Line kinds test one line; "tail-marker" and "block" start
# a multi-line block.
LINE_KINDS = ("phrase", "prefix", "phrase-set", "regex", "counter")
BLOCK_KINDS = ("tail-marker", "block")
KINDS = LINE_KINDS + BLOCK_KINDS
SCOPES = ("document", "head", "tail", "edges")  # edges: head or tail, never mid-body

# Regex rules only look at lines up to this length: chrome lines are short,
# and the cap bounds the cost of any pattern.
REGEX_LINE_CAP = 500
REGEX_TIMEOUT = 0.05  # seconds per line; a backstop, the load-time check comes first

# Any digit grouping: 1447, 6.577.284, 12,345, 12 345, 1.2K, 3 triệu.
NUMBER = r"\d{1,3}(?:[.,\s'’]\d{3})+|\d+(?:[.,]\d+)?\s?(?:k|m|tr|trieu|triệu|nghin|nghìn|ngan|ngàn)?|\d+"


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    match: str
    patterns: tuple[str, ...]
    description: str = ""
    end: tuple[str, ...] = ()  # "block": phrases that close the block
    fold: bool = True  # case- and diacritic-insensitive
    scope: str = "document"
    sites: tuple[str, ...] = ()  # domains or path globs; empty: every document
    protect_prose: bool = True  # never remove a prose-looking line
    numbers: bool = False  # "phrase-set": numbers may sit between the phrases
    max_length: int = 200  # longer lines are never matched
    positive: tuple[str, ...] = ()  # example lines the rule must match
    negative: tuple[str, ...] = ()  # example lines it must not match
    pack: str = ""
    origin: str = ""  # "file:line" where the rule is defined
    _compiled: tuple = field(default=(), compare=False, repr=False)

    def __hash__(self) -> int:
        # Tuples of rules key the caches of scans and indexes, looked up
        # for every document: the fields are hashed once.
        found = self.__dict__.get("_hash")
        if found is None:
            found = hash(tuple(getattr(self, f.name) for f in fields(self) if f.compare))
            object.__setattr__(self, "_hash", found)
        return found

    def __getstate__(self) -> dict:
        # String hashes differ between processes: a pickled rule is hashed anew.
        state = dict(self.__dict__)
        state.pop("_hash", None)
        return state

    @property
    def reason(self) -> str:
        return f"{self.category}: {self.description or self.match}"

    def applies_to(self, path: str | None) -> bool:
        return not self.sites or (path is not None and any(site_matches(s, path) for s in self.sites))

    def matches(self, line: str, *, protect: bool = True) -> bool:
        """Whether this rule matches ``line`` on its own (for block kinds:
        whether the line starts the block)."""
        return self.test(Line.of(line), protect=protect)

    def test(self, line: "Line", *, protect: bool = True) -> bool:
        """Whether this rule matches ``line`` (``protect``: not when the
        line reads as prose and the rule protects prose; that test comes
        last, it is the costly one)."""
        if not line.norm or len(line.norm) > self.max_length:
            return False
        if not self._matches(line):
            return False
        return not (protect and self.protect_prose and line.prose)

    def _matches(self, line: "Line") -> bool:
        kind = self.match
        if kind == "regex":
            target = line.stripped if self.fold else line.norm
            if len(target) > REGEX_LINE_CAP:
                return False
            try:
                return self._compiled[0][False].search(target, timeout=REGEX_TIMEOUT) is not None
            except TimeoutError:  # a pattern the load-time check let through: no match
                return False
        folded = self.fold and line.ascii
        compiled = self._compiled[0][folded]
        if kind in ("phrase", "tail-marker", "block"):
            return line.label(self.fold) in compiled
        if kind == "counter":
            return compiled.fullmatch(line.label(self.fold)) is not None
        return compiled.match(line.whole(self.fold)) is not None  # prefix, phrase-set

    def matches_end(self, line: str) -> bool:
        view = Line.of(line)
        return view.label(self.fold) in self._compiled[1][self.fold and view.ascii]


class Line:
    """One line prepared once for every rule: normalized, its label (without
    decoration) and their case/diacritic-folded forms."""

    __slots__ = ("norm", "ascii", "_prose", "_edge", "_stripped", "_forms", "_key", "words")

    def __init__(self, norm: str, prose: bool | None = None):
        self.norm = norm
        self.ascii = norm.isascii()
        self._prose = prose
        self._edge = self._stripped = self._key = None
        self._forms: dict = {}
        self.words: bool | None = None  # whether it holds some rule's word (None: not known)

    @property
    def key(self) -> str:
        """Its first two words in key form (cleaner.rules.clues)."""
        if self._key is None:
            self._key = line_key(first_words(self.norm))
        return self._key

    @classmethod
    def of(cls, line: str) -> "Line":
        return cls(normalize(line))

    @property
    def prose(self) -> bool:
        if self._prose is None:
            self._prose = looks_like_prose(self.norm)
        return self._prose

    @property
    def stripped(self) -> str:
        if self._stripped is None:
            self._stripped = strip_marks(self.norm)
        return self._stripped

    def label(self, folded: bool) -> str:
        if self._edge is None:
            self._edge = clean_edges(self.norm)
        return self._form(self._edge, folded, "label")

    def whole(self, folded: bool) -> str:
        return self._form(self.norm, folded, "whole")

    def _form(self, text: str, folded: bool, key: str) -> str:
        if not folded:
            return text
        if key not in self._forms:
            self._forms[key] = fold(text) if self.ascii else text.casefold()
        return self._forms[key]


_GAP = r"[\s|•·,;:/()\[\]\-–—+]*"
BUILTIN_PACKS = Path(__file__).resolve().parent / "packs"


class _TrustedPattern:
    """A stdlib pattern with the ``regex`` module's ``search(..., timeout=)``
    signature, compiled when first used: for the built-in packs (reviewed
    and tested) and the patterns built from a rule's phrases. Most rules
    never meet a line their clues let through (cleaner.rules.clues), and
    compiling every pattern took a tenth of a second per process."""

    __slots__ = ("pattern", "flags", "_pattern")

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern, self.flags = pattern, flags
        self._pattern: re.Pattern[str] | None = None

    def _compiled(self) -> re.Pattern[str]:
        if self._pattern is None:
            self._pattern = regex_cache.compile(self.pattern, self.flags)
        return self._pattern

    def search(self, text: str, timeout: float | None = None):
        return self._compiled().search(text)

    def match(self, text: str):
        return self._compiled().match(text)

    def fullmatch(self, text: str):
        return self._compiled().fullmatch(text)


def compile_rule(rule: Rule) -> Rule:
    """The same rule with its matcher compiled (an exact and, for fold rules,
    a diacritic-free variant); raises re.error / ValueError."""
    if rule.match == "regex":
        patterns = [strip_marks(p) if rule.fold else p for p in rule.patterns]
        joined = "|".join(f"(?:{p})" for p in patterns)
        if rule.origin.startswith(str(BUILTIN_PACKS)):
            # Our own packs are reviewed and tested (tests/test_rules.py runs
            # check_regex_safety on them): the stdlib engine, several times
            # faster here, needs no time limit.
            compiled = _TrustedPattern(joined, re.IGNORECASE if rule.fold else 0)
        else:
            for pattern in patterns:
                check_regex_safety(pattern)
            compiled = regex.compile(joined, regex.IGNORECASE if rule.fold else 0)
        variants = {False: compiled, True: compiled}
    else:
        variants = {folded: _compile_labels(rule, folded) for folded in (False, True)}
    ends = {folded: frozenset(filter(None, (_pattern_form(clean_edges(normalize(p)), rule.fold, folded)
                                            for p in rule.end))) for folded in (False, True)}
    object.__setattr__(rule, "_compiled", (variants, ends))
    return rule


def _pattern_form(pattern: str, fold_rule: bool, folded: bool) -> str:
    if not fold_rule:
        return pattern
    return fold(pattern) if folded else pattern.casefold()


def _compile_labels(rule: Rule, folded: bool):
    def forms(edges: bool) -> list[str]:
        out = [_pattern_form(clean_edges(normalize(p)) if edges else normalize(p), rule.fold, folded)
               for p in rule.patterns]
        return sorted({p for p in out if p}, key=len, reverse=True)  # an empty label never matches

    # Alternatives as a trie (shared prefixes): the same strings, tried
    # character by character instead of word by word.
    kind = rule.match
    if kind == "counter":
        labels = trie_pattern(forms(True))
        units = "lượt|lần|người|luot|lan|nguoi|views?|times"
        return _TrustedPattern(rf"(?:(?:{labels})\s*[:：]?\s*(?:{NUMBER})(?:\s*(?:{units}))?"
                               rf"|(?:{NUMBER})\s*(?:{labels}))")
    if kind == "phrase-set":
        phrases = trie_pattern(forms(False))
        gap = _GAP + (rf"(?:(?:{NUMBER}){_GAP})?" if rule.numbers else "")
        return _TrustedPattern(rf"{gap}(?:(?:{phrases}){gap})+\Z")
    if kind == "prefix":
        labels = trie_pattern(forms(False))
        return _TrustedPattern(rf"(?:{labels})(?=\s*(?:$|[:：>»›|\-–—(\[]))")
    return frozenset(forms(True))


# An unbounded repeat (*, +, {n,}) of a group that itself repeats or
# alternates, e.g. (a+)+ or (a|aa)*: the shapes that backtrack
# exponentially. Rejected when a rule file is loaded.
_NESTED_REPEAT = re.compile(
    r"\((?:[^()\\]|\\.)*(?:[*+|]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[*+]|\{\d+,\})"
)


def check_regex_safety(pattern: str) -> None:
    re.compile(pattern)  # syntax first: re.error carries the position
    if _NESTED_REPEAT.search(pattern):
        raise ValueError("nested unbounded repetition (e.g. '(a+)+') can take exponential time")
    if re.search(r"\\[1-9]|\(\?P=", pattern):
        raise ValueError("backreferences are not allowed in rule patterns")


def site_matches(site: str, path: str) -> bool:
    """``site`` is a domain (``vnexpress.net``: a path component equal to it
    or ending in ``.vnexpress.net``) or a glob on the path (has / * ?)."""
    posix = PurePath(path).as_posix()
    if any(c in site for c in "/*?["):
        return fnmatch.fnmatch(posix, site) or fnmatch.fnmatch(posix, f"*/{site.lstrip('/')}")
    site = site.lower()
    return any(part.lower() == site or part.lower().endswith("." + site)
               for part in PurePath(posix).parts)
