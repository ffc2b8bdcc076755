"""What every line a rule matches shows, read off the rule's patterns.

Most chrome rules match a line from its start ("Bình luận", "Xem thêm:",
"^(tro lai|quay lai) ..."), so the first two words of any line they match
are among a few that can be read off the rule: ``binh luan``, ``xem
them``, ``tro lai``. The first words of all the lines of a document come
out of one regex pass; a line whose key is nobody's is skipped without
running any rule's pattern on it. The other clues: the first character
(``^©``), a word every match holds (``ghi ro nguon`` anywhere in the
line), a rare character (``@``, ``»``) or the last character (``)`` in ``...)$``).
All are necessary conditions only: the lines they let through are tried
rule by rule, so the removals are those of trying every rule.

A key is the first two words in a canonical form (case and diacritics
folded, a run of digits "0", combining marks dropped), each cut to
``KEY_LENGTH`` characters; a run of digits alone is no word ("7 tháng 5:
quân" is ``than quan``). A rule's word may go on in the line
(``^copyright`` matches "Copyrighted"): then its key is a prefix the
line's key starts with.

Reading the built-in packs' patterns takes a process a tenth of a second
or more, so their keys ship precomputed (``data/rule-keys.json.gz``,
written by ``write_keys_table``; a test says when it is out of date). The
table names the code that read them (a hash of this reader's modules) and
the Unicode version: when either differs, it is ignored and every pattern
is read again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..regex_tree import class_text, sre_constants, sre_parse
from .text import COMBINING, canonical_decompositions, ignorecase_ascii, strip_marks

KEY_LENGTH = 4
# States while reading a pattern beyond which second words are forgotten:
# a phrase set ("Chia sẻ | Facebook | Zalo") pairs every phrase with every
# other, and its first words alone are rare enough.
_STATES_SOFT_CAP = {"phrase-set": 96}
_STATES_CAP = 4096  # beyond, the pattern gives no keys
_CLASS_CAP = 64  # characters a class may stand for
_REPEAT_CAP = 40

# Each line's first two words: runs of word characters that are not only
# digits ("7 tháng 5: quân" starts with "tháng quân"; "12k lượt" with
# "12k lượt"). The text starts with "\n" and has one "\n" after every
# line. Combining marks are taken out first: rules read lines without them
# (folded) or with them inside a word.
# (Non-word characters and lone numbers; written as runs of non-word
# characters between numbers, a quarter faster than an alternation tried
# at every character, same matches.)
_SKIP = r"[^\w\n]*(?:\d+(?!\w)[^\w\n]*)*"
HEAD = re.compile(rf"\n{_SKIP}(\w*){_SKIP}(\w*)")
_LINE_HEAD = re.compile(rf"{_SKIP}(\w*){_SKIP}(\w*)")


@lru_cache(maxsize=None)
def canon_char(char: str) -> str:
    """A character in key form: a digit "0", a combining mark nothing, a
    letter folded (case, diacritics; "ı" is "i", as in IGNORECASE), any other
    character " " (it ends a word)."""
    if char.isdecimal():
        return "0"
    if unicodedata.combining(char):
        return ""
    if not (char.isalnum() or char == "_"):
        return " "
    folded = ignorecase_ascii(strip_marks(strip_marks(char).casefold()))
    return "".join(c for c in folded if c.isalnum() or c == "_")


def first_words(line: str) -> tuple[str, str]:
    """The first two words of one line (as ``heads`` finds them)."""
    if COMBINING.search(line):
        line = COMBINING.sub("", line)
    return _LINE_HEAD.match(line).groups()


def heads(text: str, marks: bool | None = None) -> list[tuple[str, str]]:
    """The first two words of each line of ``text`` ("\\n" + lines joined
    + "\\n"; ``marks``: whether it holds a combining mark, if known)."""
    if marks or (marks is None and COMBINING.search(text)):
        text = COMBINING.sub("", text)
    return HEAD.findall(text, 0, len(text) - 1)


_DIGITS = re.compile("0+")


@lru_cache(maxsize=65536)
def word_key(word: str) -> str:
    """A word in key form."""
    return _DIGITS.sub("0", "".join(map(canon_char, word)))[:KEY_LENGTH]


def line_key(words: tuple[str, str]) -> str:
    """The key of a line whose first two words are ``words``: each in key
    form (a run of digits in it counts as one "0"), cut to KEY_LENGTH,
    joined by a space."""
    return word_key(words[0]) + " " + word_key(words[1])


def first_char(line: str) -> str:
    """The first character of a line as keys name it: a digit is "0"."""
    char = line[:1]
    return "0" if char.isdecimal() else char


@dataclass
class Keys:
    """What the lines a pattern matches start with: a key (``exact``), a
    key starting with one of ``prefixes`` (the first word and any second
    one: "than "; a word that may go on: "ve"), or (no word before the
    pattern may end) one of ``first_chars``."""

    exact: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)
    first_chars: set[str] = field(default_factory=set)

    def update(self, other: "Keys") -> None:
        self.exact |= other.exact
        self.prefixes |= other.prefixes
        self.first_chars |= other.first_chars


class KeyLimits:
    """Keys of rules that match lines up to some length: for a line's key
    (or first word), the longest line any rule with that key may match;
    0 when none has it. Most first words are no rule's, and of those that
    are, the rule often matches only short lines ("Ngày 12 tháng 5" as a
    dateline, not a paragraph starting so)."""

    def __init__(self):
        self._exact: dict[str, int] = {}
        self._prefixes: dict[int, dict[str, int]] = {}  # by length
        self._firsts: dict[str, int] = {}  # the first word of a key
        self._open: dict[str, int] = {}  # a first word that may go on
        self.first_chars: set[str] = set()

    def add(self, keys: Keys, longest: int) -> None:
        # (Thousands of keys a rule: dictionary updates, not a call per key.)
        _raise(self._exact, keys.exact, longest)
        by_length: dict[int, list[str]] = {}
        for prefix in keys.prefixes:
            by_length.setdefault(len(prefix), []).append(prefix)
        for length, prefixes in by_length.items():
            _raise(self._prefixes.setdefault(length, {}), prefixes, longest)
        firsts = {key.partition(" ")[0] for key in keys.exact | keys.prefixes if " " in key}
        _raise(self._firsts, firsts, longest)
        _raise(self._open, {key for key in keys.exact | keys.prefixes if " " not in key}, longest)
        self.first_chars |= keys.first_chars

    def limit(self, key: str) -> int:
        found = self._exact.get(key, 0)
        for length, prefixes in self._prefixes.items():
            found = max(found, prefixes.get(key[:length], 0))
        return found

    def first_word_limit(self, word: str) -> int:
        found = self._firsts.get(word, 0)
        for prefix, longest in self._open.items():
            if word.startswith(prefix):
                found = max(found, longest)
        return found


def _raise(table: dict[str, int], keys, longest: int) -> None:
    """Each of ``keys`` in ``table`` at ``longest`` at least."""
    table.update({key: longest for key in keys if table.get(key, 0) < longest})


def may_hide(char: str, chars) -> bool:
    """Whether a line starting (or ending) with ``char`` may start (end)
    with one of ``chars`` in the forms rules read: without diacritics ("≠"
    is "=" and a mark), or without a combining mark at its edge."""
    if char.isascii():  # "" too
        return False
    bare = strip_marks(char)
    return not bare or any(c in chars for c in bare)


class _Unkeyed(Exception):
    """The pattern may start with any word."""


_UNKNOWN = "\x02"  # the first character of a match is not known


class _Reader:
    """Reads a parsed pattern left to right, carrying the states its
    matches may be in: (the line's first character, while no word came;
    the first word in key form; the second; which word is being read: 0
    the first, 1 the rest of a first word cut at KEY_LENGTH, 2 the second).
    A word is done when a non-word character follows it, the line ends, or
    it is KEY_LENGTH long; a run of digits alone is no word."""

    def __init__(self, first_chars: bool, soft_cap: int = 256):
        self.keys = Keys()
        self.first_chars = first_chars  # whether the rule reads the line from its first character
        self.soft_cap = soft_cap  # states beyond which second words are forgotten

    def emit(self, states: set, text: str, raw: str | None) -> set:
        """The states after a character whose key form is ``text`` (``raw``:
        the character itself; None: not known)."""
        out = set()
        for state in states:
            first, one, two, phase = state
            alive = True
            for char in text:
                if phase == 1:  # the rest of a long first word
                    if char == " ":
                        phase = 2
                elif phase == 0:
                    if char == " ":
                        if one in ("", "0"):  # nothing yet, or a number: no word
                            if first is None:
                                first = raw if raw is not None else _UNKNOWN
                            one = ""
                        else:
                            phase = 2
                        continue
                    if first is None:
                        first = "0" if char == "0" else ""
                    if char == "0" and one.endswith("0"):
                        continue  # a run of digits is one "0"
                    one += char
                    if char != "0":
                        first = ""  # a word: its first character tells nothing more
                    if len(one) >= KEY_LENGTH:
                        one, phase = one[:KEY_LENGTH], 1
                elif char == " ":
                    if two in ("", "0"):
                        two = ""
                        continue
                    self.keys.exact.add(one + " " + two)
                    alive = False
                    break
                elif not (char == "0" and two.endswith("0")):
                    two += char
                    if len(two) >= KEY_LENGTH:
                        self.keys.exact.add(one + " " + two[:KEY_LENGTH])
                        alive = False
                        break
            if alive:
                out.add((first, one, two, phase))
        return out

    def end_of_line(self, states: set) -> None:
        for _first, one, two, _phase in states:
            self.keys.exact.add(_word(one) + " " + _word(two))

    def end_of_pattern(self, states: set) -> None:
        """The pattern ends and the line may go on: so may the word."""
        for first, one, two, phase in states:
            if phase == 2:
                self.keys.prefixes.add(one + " " + _word(two))
            elif phase == 1:
                self.keys.prefixes.add(one + " ")
            elif one not in ("", "0"):
                self.keys.prefixes.add(one)
            elif self.first_chars and first not in (None, "", _UNKNOWN):
                self.keys.first_chars.update({first, first.lower(), first.upper()})
            else:
                raise _Unkeyed  # no word and no first character: any line

    def sequence(self, items, states: set) -> set:
        for op, value in items:
            if not states:
                break
            states = self.item(op, value, states)
            if len(states) > self.soft_cap:
                states = self.forget_second_words(states)
                if len(states) > _STATES_CAP:
                    raise _Unkeyed
        return states

    def forget_second_words(self, states: set) -> set:
        """Too many states: those past their first word say "that first
        word, any second one" (a weaker key, still true)."""
        kept = set()
        for state in states:
            if state[3]:
                self.keys.prefixes.add(state[1] + " ")
            else:
                kept.add(state)
        return kept

    def item(self, op, value, states: set) -> set:
        c = sre_constants
        if op is c.LITERAL:
            return self.emit(states, canon_char(chr(value)), chr(value))
        if op is c.IN:
            texts = _class_texts(value)
            if texts is None:  # a negated class, \w: any word may come
                return self.unread(states)
            out: set = set()
            for text, raw in texts:
                out |= self.emit(states, text, raw)
            return out
        if op is c.BRANCH:
            out = set()
            for branch in value[1]:
                out |= self.sequence(list(branch), states)
            return out
        if op is c.SUBPATTERN:
            return self.sequence(list(value[-1]), states)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
            low, high, inner = value
            inner = list(inner)
            result: set = set()
            current, count = states, 0
            while True:
                if count >= low:
                    result |= current
                if count == high or not current:
                    return result
                following = self.sequence(inner, current)
                count += 1
                if count > low and following <= result:
                    return result  # nothing new can come of more repeats
                if count > _REPEAT_CAP:
                    raise _Unkeyed
                current = following
        if op is c.AT:
            if value in (c.AT_END, c.AT_END_STRING):
                self.end_of_line(states)
                return set()
            return states  # ^, \b: zero-width
        if op in (c.ASSERT, c.ASSERT_NOT):
            return states  # a look-around only narrows the matches
        return self.unread(states)  # any character, a back reference...

    def unread(self, states: set) -> set:
        """What follows cannot be read: as if the pattern ended here (the
        lines it matches are among those its start matches)."""
        self.end_of_pattern(states)
        return set()


def _word(word: str) -> str:
    return "" if word in ("", "0") else word


def _class_texts(items) -> set[tuple[str, str | None]] | None:
    """What each character of a parsed class is in key form, with the
    character itself where it matters (a non-word character); None when
    the class holds too many characters to list."""
    c = sre_constants
    texts: set[tuple[str, str | None]] = set()

    def add(char: str) -> None:
        text = canon_char(char)
        texts.add((text, char if text == " " else None))

    for op, value in items:
        if op is c.LITERAL:
            add(chr(value))
        elif op is c.RANGE:
            low, high = value
            if high - low > 1000:
                return None
            for code in range(low, high + 1):
                add(chr(code))
        elif op is c.CATEGORY and value is c.CATEGORY_DIGIT:
            texts.add(("0", None))
        elif op is c.CATEGORY and value in (c.CATEGORY_SPACE, c.CATEGORY_NOT_WORD):
            texts.update(((" ", None), ("", None)))  # some character that is not a word's
        else:  # a negated class, \w, \S, \D
            return None
        if len(texts) > _CLASS_CAP:
            return None
    return texts


@lru_cache(maxsize=4096)
def pattern_keys(source: str, flags: int = 0, first_chars: bool = True, soft_cap: int = 256) -> Keys | None:
    """The keys of the lines a pattern matches from their start, or None
    when any line may match it. ``first_chars``: the pattern reads the
    line from its first character (not a label stripped of decoration)."""
    if _READ is not None:  # writing the table
        _READ.append((source, flags, first_chars, soft_cap))
    else:
        shipped = _shipped_keys().get(_table_key(source, flags, first_chars, soft_cap), _MISSING)
        if shipped is not _MISSING:
            return None if shipped is None else Keys(*map(set, shipped))
    return read_pattern_keys(source, flags, first_chars, soft_cap)


def read_pattern_keys(source: str, flags: int, first_chars: bool, soft_cap: int) -> Keys | None:
    """``pattern_keys`` read off the pattern itself."""
    try:
        parsed = sre_parse.parse(source, flags)
    except (re.error, OverflowError, RecursionError):
        return None
    reader = _Reader(first_chars, soft_cap)
    try:
        reader.end_of_pattern(reader.sequence(list(parsed), {(None, "", "", 0)}))
    except (_Unkeyed, RecursionError):
        return None
    return reader.keys


# --- the built-in packs' keys, precomputed ---------------------------------

KEYS_TABLE = Path(__file__).resolve().parent.parent / "data" / "rule-keys.json.gz"
_MISSING = object()
_READ: list | None = None  # pattern_keys' arguments read live, while a table is written


def _table_key(source: str, flags: int, first_chars: bool, soft_cap: int) -> str:
    return f"{flags} {int(first_chars)} {soft_cap} {source}"


def reader_fingerprint() -> str | None:
    """A hash of the code that reads the keys (None: it cannot be read)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    try:
        for name in ("rules/clues.py", "rules/text.py", "regex_tree.py"):
            digest.update((package / name).read_bytes())
    except OSError:
        return None
    return digest.hexdigest()


def read_keys_table(path: Path = KEYS_TABLE) -> dict:
    try:
        return json.loads(gzip.decompress(path.read_bytes()))
    except (OSError, ValueError, EOFError):
        return {}


@lru_cache(maxsize=1)
def _shipped_keys() -> dict:
    """The table's keys when this code on this Unicode version wrote them."""
    table = read_keys_table()
    fingerprint = reader_fingerprint()
    if (fingerprint is None or table.get("reader") != fingerprint
            or table.get("unicode") != unicodedata.unidata_version):
        return {}
    return table.get("patterns", {})


def write_keys_table(path: Path = KEYS_TABLE) -> int:
    """Read the keys of every pattern of the built-in packs and write
    them to ``path``; the number of patterns."""
    from .loader import builtin_packs, load_named

    global _READ
    _READ = []
    try:
        pattern_keys.cache_clear()
        pattern_clue.cache_clear()
        for name in builtin_packs():
            for rule in load_named(name):
                rule_clues(rule)
                rule_keys(rule)
        patterns = {}
        for args in sorted(set(_READ)):
            keys = read_pattern_keys(*args)
            patterns[_table_key(*args)] = None if keys is None else [
                sorted(keys.exact), sorted(keys.prefixes), sorted(keys.first_chars)]
    finally:
        _READ = None
        _shipped_keys.cache_clear()
        pattern_keys.cache_clear()
        pattern_clue.cache_clear()
    table = {"reader": reader_fingerprint(), "unicode": unicodedata.unidata_version, "patterns": patterns}
    # mtime=0: the same table gives the same bytes.
    path.write_bytes(gzip.compress(json.dumps(table, ensure_ascii=False, sort_keys=True).encode(), mtime=0))
    return len(patterns)


@lru_cache(maxsize=65536)
def label_keys(label: str) -> Keys:
    """The keys of the lines whose label (the line without its decoration,
    which holds no word character but the digits of a count, "(12)") is
    ``label``."""
    reader = _Reader(False)
    reader.end_of_line(reader.emit({(None, "", "", 0)}, "".join(map(canon_char, label)), None))
    return reader.keys


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


LABEL_KINDS = ("phrase", "tail-marker", "block")


def rule_keys(rule) -> Keys | None:
    """The keys of every line ``rule`` matches (for a block kind: every
    line that starts its block), or None when any line may."""
    variants = rule._compiled[0]
    keys = Keys()
    if rule.match in LABEL_KINDS:
        for folded in (False, True):
            for label in variants[folded]:
                keys.update(label_keys(label))
        return keys
    if rule.match == "regex":
        sources = [(strip_marks(p) if rule.fold else p, re.IGNORECASE if rule.fold else 0) for p in rule.patterns]
    else:
        sources = [(variants[folded].pattern, 0) for folded in (False, True)]
    # A counter reads the line without its decoration: not from its first character.
    first_chars = rule.match != "counter"
    for source, flags in sources:
        # A regex rule is searched for: only a pattern anchored at the
        # start tells the first word; the other kinds match from the start.
        found = (pattern_keys(source, flags, first_chars, _STATES_SOFT_CAP.get(rule.match, 256))
                 if rule.match != "regex" or anchored(source)
                 else None)
        if found is None:
            return None
        keys.update(found)
    return keys


# --- other clues: words or rare characters every match holds, its last one --

COMMON_MARKS = set(".,;:!?'\"()[]-–—/&%*+=“”‘’…")  # punctuation too frequent to look for


@dataclass(frozen=True)
class Clue:
    """What every line a pattern matches shows: ``keys`` (its start); one
    of ``words`` (in the form the rule reads: without diacritics and lower
    case when it folds); one of the rare characters ``chars``; one of
    ``last_chars`` at its end."""

    keys: Keys | None = None
    words: tuple[str, ...] = ()
    chars: frozenset[str] = frozenset()
    last_chars: frozenset[str] = frozenset()


def rule_clues(rule) -> list[Clue] | None:
    """One clue per pattern of ``rule`` (a line it matches shows one of
    them), or None when some pattern may match any line."""
    if rule.match != "regex":
        keys = rule_keys(rule)
        return None if keys is None else [Clue(keys=keys)]
    clues = []
    for pattern in rule.patterns:
        clue = pattern_clue(strip_marks(pattern) if rule.fold else pattern, rule.fold)
        if clue is None:
            return None
        clues.append(clue)
    return clues


@lru_cache(maxsize=4096)
def pattern_clue(source: str, fold: bool) -> Clue | None:
    """The clue of a regex rule's pattern (``fold``: case-insensitive,
    read without diacritics), or None."""
    flags = re.IGNORECASE if fold else 0
    if anchored(source) and (keys := pattern_keys(source, flags)) is not None:
        return Clue(keys=keys)
    if words := required_words(source, ignore_case=fold):
        return Clue(words=tuple(words))
    if chars := required_chars(source, fold):
        return Clue(chars=frozenset(chars))
    if last := last_chars(source, fold):
        return Clue(last_chars=frozenset(last))
    return None


def _case_variants(chars: set[str], ignore_case: bool) -> set[str]:
    if not ignore_case:
        return chars
    return chars | {c.lower() for c in chars} | {c.upper() for c in chars}


def required_chars(pattern: str, fold: bool) -> set[str] | None:
    """Rare characters (not letters, digits, spaces or COMMON_MARKS) one of
    which every match of ``pattern`` contains, with (``fold``) every
    character that holds one once its diacritics are gone ("≯" holds ">");
    None when there are none."""
    tree = _parsed(pattern, fold)
    found = None if tree is None else _rare(tree)
    if not found:
        return None
    found = _case_variants(found, fold)
    return found | set().union(*(composed_with(c) for c in found)) if fold else found


def _rare_char(char: str) -> bool:
    return not (char.isalnum() or char.isspace() or char in COMMON_MARKS or char == "_")


def _rare(sequence) -> set[str] | None:
    """The smallest set of rare characters one of which every match of a
    parsed sequence holds."""
    c = sre_constants
    options: list[set[str]] = []
    for op, value in sequence:
        found = None
        if op is c.LITERAL and _rare_char(chr(value)):
            found = {chr(value)}
        elif op is c.IN and all(item_op is c.LITERAL for item_op, _ in value):
            chars = {chr(item) for _, item in value}
            found = chars if len(chars) <= 8 and all(map(_rare_char, chars)) else None
        elif op is c.SUBPATTERN and not (value[1] or value[2]):
            found = _rare(list(value[-1]))
        elif op is c.BRANCH:
            branches = [_rare(list(branch)) for branch in value[1]]
            found = set().union(*branches) if branches and all(branches) else None
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and value[0] >= 1:
            found = _rare(list(value[2]))
        if found:
            options.append(found)
    return min(options, key=len) if options else None


def composed_with(char: str) -> frozenset[str]:
    """The characters whose canonical decomposition holds ``char``."""
    return _decomposed_into().get(char, frozenset())


@lru_cache(maxsize=1)
def _decomposed_into() -> dict[str, frozenset[str]]:
    """Character -> the characters whose canonical decomposition holds it
    (all in the BMP but for a few musical symbols, which hold only
    musical symbols)."""
    found: dict[str, set[str]] = {}
    for composed, decomposed in canonical_decompositions().items():
        for part in set(decomposed):
            found.setdefault(part, set()).add(composed)
    return {part: frozenset(chars) for part, chars in found.items()}


def last_chars(pattern: str, fold: bool) -> set[str] | None:
    """The characters every match of a pattern anchored at the line's end
    (``$``) ends with; None when unknown."""
    tree = _parsed(pattern, fold)
    if not tree or tree[-1][0] is not sre_constants.AT or \
            tree[-1][1] not in (sre_constants.AT_END, sre_constants.AT_END_STRING):
        return None
    found = _ends(tree[:-1])
    if found is None or found[1] or len(found[0]) > 16:
        return None
    return _case_variants(found[0], fold)


def tail_pattern(pattern: str, fold: bool = False) -> str | None:
    """For a pattern anchored at the line's end: its last elements
    (characters, classes, repeats of one), up to the first other one, as
    a pattern of their own that every line it matches ends with
    ("\\d{2,4}\\s?[)\\]]" of a dated headline); None when fewer than
    two. A folding rule reads the line without diacritics: only elements
    that no letter or character with a diacritic can meet are kept, so the
    tail holds in the text as it is (but for combining marks, which the
    caller looks for)."""
    tree = _parsed(pattern, fold)
    if not tree or tree[-1][0] is not sre_constants.AT or \
            tree[-1][1] not in (sre_constants.AT_END, sre_constants.AT_END_STRING):
        return None
    written: list[str] = []
    for op, value in reversed(tree[:-1]):
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT) and len(value[2]) == 1:
            low, high, (inner,) = value
            one = _one_char(*inner, fold)
            if one is None:
                break
            lazy = "?" if op is sre_constants.MIN_REPEAT else ""
            written.append(f"{one}{{{low},{'' if high is sre_constants.MAXREPEAT else high}}}{lazy}")
        else:
            one = _one_char(op, value, fold)
            if one is None:
                break
            written.append(one)
    return "".join(reversed(written)) if len(written) >= 2 else None


def _one_char(op, value, fold: bool) -> str | None:
    """A parsed element that matches one character, as regex text."""
    def plain(char: str) -> bool:  # the same in a folded line as in the text
        return not fold or not (char.isalpha() or composed_with(char))

    if op is sre_constants.LITERAL:
        return re.escape(chr(value)) if plain(chr(value)) else None
    if op is sre_constants.NOT_LITERAL:
        return None if fold else f"[^{re.escape(chr(value))}]"
    if op is not sre_constants.IN:
        return None
    if fold and not all(item_op is sre_constants.LITERAL and plain(chr(item))
                        or item_op is sre_constants.RANGE and item[1] - item[0] < 64
                        and all(plain(chr(code)) for code in range(item[0], item[1] + 1))
                        or item_op is sre_constants.CATEGORY and item in (sre_constants.CATEGORY_DIGIT,
                                                                           sre_constants.CATEGORY_SPACE)
                        for item_op, item in value):  # a negation too: it would match letters
        return None
    return class_text(value)


def _ends(sequence) -> tuple[set[str], bool] | None:
    """(the characters a match of a parsed sequence may end with, whether
    it may be empty); None when unknown."""
    c = sre_constants
    chars: set[str] = set()
    for op, value in reversed(sequence):
        if op is c.AT or op in (c.ASSERT, c.ASSERT_NOT):
            continue
        if op is c.LITERAL:
            return chars | {chr(value)}, False
        if op is c.IN:
            if not all(item_op is c.LITERAL for item_op, _ in value):
                return None
            return chars | {chr(item) for _, item in value}, False
        if op is c.SUBPATTERN:
            found = _ends(list(value[-1]))
        elif op is c.BRANCH:
            branches = [_ends(list(branch)) for branch in value[1]]
            if not branches or any(b is None for b in branches):
                return None
            found = set().union(*(b[0] for b in branches)), any(b[1] for b in branches)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            inner = _ends(list(value[2]))
            found = None if inner is None else (inner[0], inner[1] or value[0] == 0)
        else:
            return None
        if found is None:
            return None
        chars |= found[0]
        if not found[1]:
            return chars, False
    return chars, True


# --- words every match holds ---------------------------------------------

MIN_FACTOR = 4  # shorter required words are too common to be worth a scan


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
