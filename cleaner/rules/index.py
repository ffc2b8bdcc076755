"""A rule set compiled into a few combined lookups.

Testing every rule against every line was most of the chrome stage's cost:
~40 rules, each a Python call, on every short line. Here the phrase rules of
a set share one dictionary per line form, and the pattern rules one
alternation per kind and form. A line is tested against a rule (with
``Rule.test``, which stays the only definition of a match) only when a
combined lookup says that rule may match, so the result is the same as
trying the rules one by one, in order.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .model import Line, Rule, _TrustedPattern
from .scan import anchored
from .text import strip_marks

# Which form of the line a rule's compiled matcher reads (Rule.test):
# "plain" for rules without folding; for folding rules "ascii" (a line in
# ASCII, compared without diacritics) or "unicode" (compared casefolded);
# folding regex rules read the line without diacritics ("fold").
_FORMS = ("plain", "ascii", "unicode")


class RuleIndex:
    """The rules of one set, in their order, with combined lookups."""

    def __init__(self, rules: tuple[Rule, ...]):
        self.rules = rules
        self._order = {id(rule): n for n, rule in enumerate(rules)}
        self._longest = max((rule.max_length for rule in rules), default=-1)
        # label form -> rules, for the label-equality kinds
        self._labels: dict[str, dict[str, list[Rule]]] = {form: {} for form in _FORMS}
        # (kind, form) -> the rules a combined pattern stands for; the pattern
        # (None: cannot be combined) is compiled when first needed
        self._groups: dict[tuple[str, str], list[Rule]] = {}
        self._patterns: dict[tuple[str, str], object] = {}
        self._always: list[Rule] = []  # rules no combined lookup covers
        grouped = self._groups
        for rule in rules:
            variants = rule._compiled[0]
            if rule.match in ("phrase", "tail-marker", "block"):
                for form in self._forms_for(rule):
                    for label in variants[form == "ascii"]:
                        self._labels[form].setdefault(label, []).append(rule)
            elif rule.match == "regex" and not isinstance(variants[False], _TrustedPattern):
                self._always.append(rule)  # user patterns keep their own time limit
            elif rule.match == "regex":
                # Patterns anchored at the start are tried at the start only
                # (match); the others are searched for.
                form = "fold" if rule.fold else "plain"
                for at_start in {anchored(p) for p in rule.patterns}:
                    grouped.setdefault(("regex-start" if at_start else "regex", form), []).append(rule)
            else:
                for form in self._forms_for(rule):
                    grouped.setdefault((rule.match, form), []).append(rule)

    @staticmethod
    def _forms_for(rule: Rule) -> tuple[str, ...]:
        return ("ascii", "unicode") if rule.fold else ("plain",)

    def candidates(self, line: Line) -> list[Rule]:
        """The rules that may match ``line``, in rule order (a superset of
        the ones that do)."""
        if len(line.norm) > self._longest:
            return []  # no rule looks at lines this long
        folded = "ascii" if line.ascii else "unicode"
        found: dict[int, Rule] = {}
        for form in ("plain", folded):
            labels = self._labels[form]
            if labels:
                for rule in labels.get(line.label(form != "plain"), ()):
                    found[id(rule)] = rule
        for (kind, form), members in self._groups.items():
            if form in ("ascii", "unicode") and form != folded:
                continue
            if (kind, form) not in self._patterns:
                self._patterns[(kind, form)] = _combine(kind, form, members)
            pattern = self._patterns[(kind, form)]
            if pattern is None or _hit(pattern, kind, form, line):
                for rule in members:
                    found[id(rule)] = rule
        for rule in self._always:
            found[id(rule)] = rule
        if len(found) < 2:
            return list(found.values())
        return sorted(found.values(), key=lambda rule: self._order[id(rule)])

    def first(self, line: Line, protect: bool | None) -> Rule | None:
        """The first rule (in order) that matches ``line`` (``protect``:
        None protects the line when it is prose)."""
        for rule in self.candidates(line):
            if rule.test(line, protect=line.prose if protect is None else protect):
                return rule
        return None

    def all(self, line: Line, protect: bool | None) -> list[Rule]:
        candidates = self.candidates(line)
        if not candidates:
            return []
        protect = line.prose if protect is None else protect
        return [rule for rule in candidates if rule.test(line, protect=protect)]


def _hit(pattern, kind: str, form: str, line: Line) -> bool:
    if kind in ("regex", "regex-start"):
        target = line.stripped if form == "fold" else line.norm
        if kind == "regex":
            return pattern.search(target) is not None
        return pattern.match(target) is not None
    if kind == "counter":
        return pattern.fullmatch(line.label(form != "plain")) is not None
    return pattern.match(line.whole(form != "plain")) is not None  # prefix, phrase-set


def _combine(kind: str, form: str, rules: list[Rule]):
    """One pattern that matches where any of ``rules``' patterns does, or
    None when they cannot be joined (then every one is a candidate)."""
    if kind in ("regex", "regex-start"):
        at_start = kind == "regex-start"
        sources = [strip_marks(p) if rule.fold else p for rule in rules for p in rule.patterns
                   if anchored(p) == at_start]
        flags = re.IGNORECASE if form == "fold" else 0
    else:
        sources = [rule._compiled[0][form == "ascii"].pattern for rule in rules]
        flags = 0
    try:
        return re.compile("|".join(f"(?:{source})" for source in sources), flags)
    except (re.error, OverflowError, RecursionError):  # e.g. inline flags, repeated group names
        return None


@lru_cache(maxsize=64)
def index_for(rules: tuple[Rule, ...]) -> RuleIndex:
    return RuleIndex(rules)
