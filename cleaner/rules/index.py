"""A rule set indexed by what the lines its rules match show.

Testing every rule against every line was most of the chrome stage's cost:
~40 rules, each a Python call, on every short line. Here each rule's
patterns give clues (cleaner.rules.clues): most tell the line's first word,
so a dictionary lookup on it names the few rules worth trying; the others
need a word, a rare character or a last character the line must hold. A
line is tested against a rule (with ``Rule.test``, which stays the only
definition of a match) only when a clue says that rule may match, so the
result is the same as trying the rules one by one, in order.
"""

from __future__ import annotations

from functools import lru_cache

from .clues import first_char, may_hide, rule_clues
from .model import Line, Rule
from .text import ignorecase_ascii


class RuleIndex:
    """The rules of one set, in their order, indexed by their clues."""

    def __init__(self, rules: tuple[Rule, ...]):
        self.rules = rules
        self._order = {id(rule): n for n, rule in enumerate(rules)}
        self._longest = max((rule.max_length for rule in rules), default=-1)
        self._by_key: dict[str, list[Rule]] = {}  # a line's key -> rules
        self._by_prefix: dict[str, list[Rule]] = {}  # a prefix of a line's key -> rules
        self._by_first: dict[str, list[Rule]] = {}  # a line's first character -> rules
        # The other clues: word -> rules (per fold), rare character -> rules,
        # last character -> rules.
        self._words: dict[bool, dict[str, list[Rule]]] = {False: {}, True: {}}
        self._chars: dict[str, list[Rule]] = {}
        self._lasts: dict[str, list[Rule]] = {}
        self._always: list[Rule] = []  # rules with a pattern any line may match
        for rule in rules:
            clues = rule_clues(rule)
            if clues is None:
                self._always.append(rule)
                continue
            for clue in clues:
                if clue.keys is None:
                    for word in clue.words:
                        self._words[rule.fold].setdefault(word, []).append(rule)
                    for char in clue.chars:
                        self._chars.setdefault(char, []).append(rule)
                    for char in clue.last_chars:
                        self._lasts.setdefault(char, []).append(rule)
                    continue
                for key in clue.keys.exact:
                    self._by_key.setdefault(key, []).append(rule)
                for prefix in clue.keys.prefixes:
                    self._by_prefix.setdefault(prefix, []).append(rule)
                for first in clue.keys.first_chars:
                    self._by_first.setdefault(first, []).append(rule)
        self._prefix_lengths = sorted({len(prefix) for prefix in self._by_prefix})

    def candidates(self, line: Line) -> list[Rule]:
        """The rules that may match ``line``, in rule order (a superset of
        the ones that do)."""
        if len(line.norm) > self._longest:
            return []  # no rule looks at lines this long
        found: dict[int, Rule] = {}
        key = line.key
        for rule in self._by_key.get(key, ()):
            found[id(rule)] = rule
        for length in self._prefix_lengths:
            for rule in self._by_prefix.get(key[:length], ()) if len(key) >= length else ():
                found[id(rule)] = rule
        if self._by_first:
            _add_by_edge(found, self._by_first, first_char(line.norm))
        if self._words[True] and line.words is not False:
            # The form folding rules read, lower case as IGNORECASE compares
            # ("ı" and "ſ" match "i" and "s" there; lower() keeps them).
            text = ignorecase_ascii(line.stripped.lower())
            for word, rules in self._words[True].items():
                if word in text:
                    for rule in rules:
                        found[id(rule)] = rule
        for table in ((self._words[False] if line.words is not False else {}), self._chars):
            for word, rules in table.items():
                if word in line.norm:
                    for rule in rules:
                        found[id(rule)] = rule
        if self._lasts:
            _add_by_edge(found, self._lasts, line.norm[-1:])
        for rule in self._always:
            found[id(rule)] = rule
        if len(found) < 2:
            return list(found.values())
        return sorted(found.values(), key=lambda rule: self._order[id(rule)])

    def first(self, line: Line, protect: bool) -> Rule | None:
        """The first rule (in order) that matches ``line`` (``protect``: a
        rule that protects prose does not match a line that reads as prose)."""
        for rule in self.candidates(line):
            if rule.test(line, protect=protect):
                return rule
        return None

    def all(self, line: Line, protect: bool) -> list[Rule]:
        return [rule for rule in self.candidates(line) if rule.test(line, protect=protect)]


def _add_by_edge(found: dict[int, Rule], table: dict[str, list[Rule]], char: str) -> None:
    """Add the rules of a line's first (last) character; every rule of the
    table when the character may hide one (cleaner.rules.clues.may_hide)."""
    for rule in table.get(char, ()):
        found[id(rule)] = rule
    if may_hide(char, table):
        for rules in table.values():
            for rule in rules:
                found[id(rule)] = rule


@lru_cache(maxsize=64)
def index_for(rules: tuple[Rule, ...]) -> RuleIndex:
    return RuleIndex(rules)
