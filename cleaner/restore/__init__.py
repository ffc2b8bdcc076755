"""Restore lossy ``?``/``\ufffd`` damage in Vietnamese text.

``L?y l?i m� b?o m?t`` was Vietnamese sent through a codepage without its
letters (or a broken decode): the letters are gone from the bytes, so they
come back from context. Each damaged token gets the syllables its pattern
fits (:mod:`.candidates`); a syllable n-gram model (:mod:`.model`, trained
by :mod:`.train`) chooses among them jointly over the line
(:mod:`.decoder`), with the undamaged words as context. Beyond the n-grams'
three words: the topic of the line (the model's topic vectors, scored
against its intact syllables) and the document's own vocabulary (a second
pass) weigh in as bonuses on the options.

Acronyms keep Đ as their only letter outside ASCII, so a hidden letter in
one is Đ (``H?ND``: HĐND). Case: a token with no visible letter of its own
takes the capitals of a heading around it (``? H? N?I``: Ở HÀ NỘI), and a
Title Case heading capitalizes hidden first letters.

Every restoration is a ``Change(stage="repair", kind="lossy",
confidence=...)``. Tokens with no candidate (names, foreign words such as
``Wroc?aw``) or whose best choice is below
``Config.restore_min_confidence`` are kept as they are and recorded as
``kind="lossy-unresolved"`` (``before == after``).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from ..config import Config
from ..document import Document
from ..errors import CleanerError
from ..rules.text import EN_FUNCTION_WORDS
from ..stages.restore import SKIP_RE as _SKIP_RE, has_inner_damage, has_question_damage
from ..vietnamese import set_tone_style, words
from .candidates import CP1252_KEEPS, CP1252_LOSES, DAMAGE, CandidateIndex, apply_case, codepage_for, word_id
import numpy as np

from .decoder import Option, best_paths, confidences_many
from .model import ModelError, NgramModel, load_model
from .tokens import BOS, END, NUM, PUNCT, SPECIALS, UNK

__all__ = ["restore_document", "restore_line", "load_model", "NgramModel", "ModelError"]

STAGE = "repair"
_BATCH_LINES = 2000  # lines decoded together
LOW_CONFIDENCE = 0.9  # below this a restoration's reason says "low confidence"

# Restoration tokens: like training tokens, but ``?``/``\ufffd`` count as
# letters inside words.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|(?:[^\W\d_]|[?\ufffd])+|[.!?\u2026]+|[^\w\s]")
# Chunks where a ``?`` is syntax, not damage: URLs, e-mail, query strings.
_SENTENCE_END = frozenset(".!?\u2026")


class RestoreModelError(CleanerError):
    pass


def _index(model: NgramModel) -> CandidateIndex:
    index = getattr(model, "_candidate_index", None)
    if index is None:
        index = model._candidate_index = CandidateIndex(model.vocab, model.logp1)
    return index


def text_tone_style(text: str) -> str | None:
    """"old" (hòa) or "new" (hoà) by the majority of words whose spelling
    differs between the styles; None when no word tells."""
    votes: Counter = Counter()
    for word in words(text[:200_000]):
        if len(word) < 3 or word.isascii():
            continue
        old, new = set_tone_style(word, "old"), set_tone_style(word, "new")
        if old != new:
            votes["old" if word == old else "new" if word == new else "?"] += 1
    if votes["old"] == votes["new"]:
        return None
    return "old" if votes["old"] > votes["new"] else "new"


def _is_damaged(token: str) -> bool:
    return any(c in DAMAGE for c in token) and any(c.isalpha() for c in token)


class _Line:
    """One damaged line on its way through restoration."""

    __slots__ = ("line", "tokens", "positions", "damaged", "initial", "bonuses", "path", "shares", "topic",
                 "acronyms", "capitals", "title")

    def __init__(self, line, tokens, positions, damaged, initial, bonuses, acronyms=None, capitals=None):
        self.bonuses = bonuses
        self.acronyms: dict[int, str] = acronyms or {}  # position -> restored acronym (HĐND)
        self.capitals: set[int] = capitals or set()  # positions written in capitals by their neighbours
        self.title = False  # every word in Title Case: a hidden first letter is a capital
        self.line = line
        self.tokens = tokens
        self.positions = positions
        self.damaged = damaged
        self.initial = initial
        self.path: list[int] = []
        self.shares: dict[int, np.ndarray] = {}
        self.topic: dict[int, np.ndarray] = {}  # position -> its options' topic bonus


def _analyze(line: str, model: NgramModel, codepage: str, style: str | None,
             broken_decode: bool = False) -> _Line | None:
    """The tokens of ``line`` and the options of each; None without damage.
    ``broken_decode``: the text's U+FFFD come from a broken decode (it also
    has "?" damage), so they may hide any letter."""
    index = _index(model)
    vocab = model.vocab
    skip = [m.span() for m in _SKIP_RE.finditer(line)] if _MAYBE_URL.search(line) else []
    tokens = list(_TOKEN_RE.finditer(line))
    positions: list[list[Option]] = []
    damaged: list[int] = []  # positions of damaged tokens
    initial: list[bool] = []  # token starts a sentence
    bonuses: dict[int, np.ndarray] = {}  # position -> log10 weight of each option
    acronyms: dict[int, str] = {}  # position -> restored acronym
    capitals: set[int] = set()  # damaged tokens amid words in capitals
    at_start = True
    for i, match in enumerate(tokens):
        token = match.group()
        start = match.start()
        first = token[0]
        initial.append(at_start)
        options = None
        is_word = first.isalnum()
        if codepage == "ascii" and token == "?" and _between_digits(line, tokens, i):
            # "2?1", "1990?1995": an en dash ASCII could not store (or a real "?")
            positions.append(_DASH_OPTIONS)
            damaged.append(i)
            continue
        if (_is_damaged(token) or _letterless_damage(line, tokens, i, codepage)) and not any(
                a <= start < b for a, b in skip):
            following = tokens[i + 1].group() if i + 1 < len(tokens) else ""
            # a "?" before a lowercase word is not a question mark
            may_end = not (following[:1].isalpha() and following[:1].islower())
            options = _options(token, index, codepage, style, may_end)
            if options is None or (len(options) == 1 and options[0][1] == (UNK,)):
                acronym = _acronym(line, match, may_end)
                if acronym is not None:
                    acronyms[i] = acronym
                    options = [(acronym, (UNK,))]  # the model reads acronyms as <unk>
            elif len(token) <= 3 and _in_code(line, match):
                # "N?-CP" (NĐ-CP, not "NỮ"): the acronym competes with the syllables
                acronym = _acronym(line, match, False)
                if acronym is not None:
                    acronyms[i] = acronym
                    options = options + [(acronym, (UNK,))]
            if (options is not None and len(token) > 1 and len(options) > 1 and not token.strip("\ufffd")
                    and _amid_lowercase(tokens, i)):
                # "v?t \ufffd\ufffd h\ufffdnh": two lost characters amid lowercase words
                # are a syllable (để), not a symbol or a Chinese word (a dash is one).
                # (Only here: a new list defeats the caches keyed by the list's id.)
                options = [option for option in options if option[1] != (UNK,)] or options
            if options is not None:
                damaged.append(i)
                is_word = True
                # "? H? N?I": too few letters of its own to show that it is in capitals
                shouting = _few_capitals(token) and _amid_capitals(tokens, i, index, codepage, style)
                if shouting:
                    capitals.add(i)
                if len(options) > 1:
                    evidence = None
                    if not at_start and not shouting:  # in capitals, the case tells nothing
                        evidence = _case_evidence(model, token, options, tokens[i - 1].group() if i else "")
                    if codepage == "cp1252" and "\ufffd" in token and not broken_decode:
                        kept = _kept_letter_penalty(token, options)
                        evidence = kept if evidence is None else evidence + kept
                    if token == "?" and _spaced_in_sentence(line, tokens, i):
                        spaced = _spaced_question_penalty(options)
                        evidence = spaced if evidence is None else evidence + spaced
                    if evidence is not None:
                        bonuses[i] = evidence
            elif token.endswith("?"):  # "what?": a word and a real question mark
                positions.append([(token, (vocab.word_id(token[:-1]), END))])
                at_start = True
                continue
        if options is None:
            if first.isdigit():
                ids = (NUM,)
            elif first.isalpha():
                ids = (vocab.word_id(token),)
            elif first in _SENTENCE_END:
                ids = (END,)
            elif first == "\ufffd":
                ids = (UNK,)
            else:
                ids = (PUNCT,)
            options = [(token, ids)]
        positions.append(options)
        if is_word:
            at_start = False
        elif first in _SENTENCE_END:
            at_start = True
    if not damaged:
        return None
    item = _Line(line, tokens, positions, damaged, initial, bonuses, acronyms, capitals)
    item.title = _title_case(tokens, initial)
    return item


def _decode(model: NgramModel, lines: list[_Line], focus: list[set[int]] | None = None) -> None:
    """Choose the options of all ``lines`` jointly per line, and the
    confidence of each choice. ``focus``: decode again only the parts of
    each line (already decoded) around these positions."""
    paths = best_paths(model, [item.positions for item in lines], bonuses=[item.bonuses for item in lines],
                       focus=focus, previous=[item.path for item in lines] if focus else None)
    items = []
    for n, (item, path) in enumerate(zip(lines, paths)):
        if focus:
            # confidences again where the choice or its neighbours changed
            width = model.order - 1
            moved = [p for p, (a, b) in enumerate(zip(item.path, path)) if a != b]
            near = {q for p in moved for q in range(p - width, p + width + 1)}
            targets = [p for p in item.shares if p in near]
        else:
            targets = [p for p in item.damaged if len(item.positions[p]) > 1]
        item.path = path
        items.append((item.positions, path, targets))
    for item, (_, _, targets), shares in zip(lines, items, confidences_many(
            model, items, [item.bonuses for item in lines])):
        item.shares.update(zip(targets, shares))


CASE_WEIGHT = 1.0  # weight of the case evidence against the n-gram scores
_CASE_FLOOR = 0.02  # no case is impossible for a word


def _case_evidence(model: NgramModel, token: str, options: list[Option], previous: str) -> np.ndarray | None:
    """How well each option fits the visible case of ``token`` inside a
    sentence (``M?`` capitalized is "Mỹ" rather than "mở"): log10 of the
    share of the option's uses in that case. None when the case says
    nothing: a hidden first letter, all capitals, no word."""
    first = token[0]
    if not first.isalpha():
        return None
    letters = [c for c in token if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return None
    capital = first.isupper()
    row = int(bool(previous[:1].isupper()) and not (len(previous) > 1 and previous.isupper()))
    key = (id(options), row, capital)
    cached = _EVIDENCE_CACHE.get(key)
    if cached is not None and cached[0] is options:
        return cached[1]
    table = model.capital_lists[row]
    size = len(table)
    evidence = []
    for _, ids in options:
        word = ids[0]
        if word < len(SPECIALS) or word >= size:
            evidence.append(0.0)  # not seen in running text: no evidence either way
            continue
        share = table[word] / 255.0
        evidence.append(CASE_WEIGHT * math.log10(max(share if capital else 1 - share, _CASE_FLOOR)))
    top = max(evidence)
    result = np.array([e - top for e in evidence])
    if len(_EVIDENCE_CACHE) > 100_000:
        _EVIDENCE_CACHE.clear()
    _EVIDENCE_CACHE[key] = (options, result)
    return result


_EVIDENCE_CACHE: dict = {}
# log10 weight of each U+FFFD standing for a letter cp1252 has, in a text
# whose intact à/ê/ô... show that it went through cp1252 (where only the
# letters cp1252 lacks were lost); not impossible: a broken decode hits any
KEPT_LETTER_PENALTY = -2.0


# log10 weight of a question mark written apart from the word before it and
# followed by more words ("Tông ? Chiêu Lăng"): Vietnamese, like English,
# writes "?" against the word it ends, so a spaced one is most often a lost
# one-letter word ("ở"); not impossible ("Tại sao ? Vì ...").
SPACED_QUESTION_PENALTY = -1.0


def _spaced_in_sentence(line: str, tokens: list, i: int) -> bool:
    start, end = tokens[i].span()
    return (0 < start and line[start - 1] == " " and end < len(line) and line[end] == " "
            and i + 1 < len(tokens) and _wordish(tokens[i + 1].group()))


def _spaced_question_penalty(options: list[Option]) -> np.ndarray:
    return np.array([SPACED_QUESTION_PENALTY if ids == (END,) else 0.0 for _, ids in options])


def _kept_letter_penalty(token: str, options: list[Option]) -> np.ndarray:
    lower = token.lower()
    surfaces = tuple(surface for surface, _ in options)
    key = (lower, surfaces)  # a document repeats its damaged words ("\ufffdã", "\ufffdư\ufffdc")
    found = _PENALTY_CACHE.get(key)
    if found is None:
        hidden = [i for i, char in enumerate(lower) if char == "\ufffd"]
        found = np.array([KEPT_LETTER_PENALTY * sum(1 for i in hidden
                                                    if i < len(surface) and surface[i] in CP1252_KEEPS)
                          for surface in surfaces], dtype=np.float64)
        found.flags.writeable = False  # shared by every use of the word
        if len(_PENALTY_CACHE) > 100_000:
            _PENALTY_CACHE.clear()
        _PENALTY_CACHE[key] = found
    return found


_PENALTY_CACHE: dict = {}


CACHE_MIN = 20  # restored syllables a document needs before its own words count
CACHE_WEIGHT = 0.5  # exponent of the ratio of the document's word use to the model's
CACHE_PRIOR = 200.0  # uses of the model's unigram mixed into the document's counts
CACHE_SLACK = 0.5  # log10: how near a bonus must come to a choice's lead to decode again


def _document_cache(model: NgramModel, lines: list[_Line], restored_topic: bool = False
                    ) -> list[tuple[_Line, set[int]]]:
    """A document repeats its words: after a first pass, each option gains
    ``CACHE_WEIGHT`` x log10 of how much more often the document uses it
    (its confident restorations elsewhere) than the model expects. Returns
    the lines, and their positions, where that can change a choice.

    ``restored_topic``: the topic of each line also counts its confident
    restorations (for ASCII damage, which leaves few syllables intact; with
    more intact text they only add noise, measured)."""
    targets = [(n, p) for n, item in enumerate(lines) for p in item.shares]
    if len(targets) < CACHE_MIN:
        return []
    sizes = np.array([len(lines[n].positions[p]) for n, p in targets])
    ids = np.array([ids[0] for n, p in targets for _, ids in lines[n].positions[p]], np.int64)
    shares = np.concatenate([lines[n].shares[p] for n, p in targets])
    heads = np.cumsum(sizes) - sizes
    picked = heads + np.array([lines[n].path[p] for n, p in targets])
    confident = shares[picked] >= 0.5
    counts = np.bincount(ids[picked[confident]], minlength=len(model.logp1)).astype(np.float64)
    total = counts.sum()
    if total < CACHE_MIN:
        return []
    own = np.zeros(len(ids))
    own[picked[confident]] = 1  # an option's own first-pass choice does not count
    prior = 10.0 ** model.logp1[ids].astype(np.float64)
    bonus = CACHE_WEIGHT * np.log10((counts[ids] - own + CACHE_PRIOR * prior) / ((total + CACHE_PRIOR) * prior))
    if model.topic is not None and restored_topic:
        confident_at = {target: bool(flag) for target, flag in zip(targets, confident.tolist())}
        bonus += _topic_update(model, lines, targets, confident_at)
    bonus -= np.repeat(np.maximum.reduceat(bonus, heads), sizes)
    # can the bonus beat the choice's lead there (neighbours fixed)?
    gain = bonus - np.repeat(bonus[picked], sizes)
    lead = np.log10(np.repeat(shares[picked], sizes) + 1e-300) - np.log10(shares + 1e-300)
    hopeful = np.logical_or.reduceat((gain > 0) & (gain > lead - CACHE_SLACK), heads)
    focus: dict[int, set[int]] = {}
    for (n, p), part, flag in zip(targets, np.split(bonus, heads[1:]), hopeful.tolist()):
        item = lines[n]
        old = item.bonuses.get(p)
        item.bonuses[p] = part if old is None else old + part
        if flag:
            focus.setdefault(n, set()).add(p)
    return [(lines[n], positions) for n, positions in focus.items()]


def _finish(item: _Line, model: NgramModel) -> list[tuple[int, int, str, str | None, float | None]]:
    tokens, positions, path, initial = item.tokens, item.positions, item.path, item.initial
    shares = item.shares
    result = []
    # Case: left to right, since a hidden capital depends on the word before.
    after_capital = False  # previous token is a capitalized word inside a sentence
    damaged_set = set(item.damaged)
    for p, match in enumerate(tokens):
        token = match.group()
        surface = token
        if p in damaged_set:
            options = positions[p]
            lower, ids = options[path[p]]
            if item.acronyms.get(p) == lower:
                surface = lower
                result.append((match.start(), match.end(), token, surface, ACRONYM_CONFIDENCE))
            elif ids == (UNK,) and len(options) == 1:
                result.append((match.start(), match.end(), token, None, None))
            else:
                following = tokens[p + 1].group() if p + 1 < len(tokens) else ""
                previous = positions[p - 1][path[p - 1]][1][-1] if p else BOS
                capital = initial[p] or (item.title and token[0] in DAMAGE)
                if not capital:
                    next_id = next_capital = None
                    if END not in ids and following:
                        next_id = positions[p + 1][path[p + 1]][1][0]
                        if following[0] in DAMAGE:
                            next_id = None  # its case is hidden too
                        else:
                            next_capital = following[0].isupper() and not (
                                len(following) > 1 and following.isupper())
                    capital = model.is_capital(previous, after_capital, ids[0], next_id, next_capital)
                surface = apply_case(token, lower, capital, p in item.capitals)
                share = float(shares[p][path[p]]) if p in shares else None
                result.append((match.start(), match.end(), token, surface, share))
        after_capital = surface[:1].isupper() and not initial[p] and not (
            len(surface) > 1 and surface.isupper())
    return result


def restore_line(line: str, model: NgramModel, codepage: str = "cp1252",
                 style: str | None = None) -> list[tuple[int, int, str, str | None, float | None]]:
    """The damaged tokens of ``line`` as ``(start, end, before, after,
    confidence)``; ``after`` is None when no candidate fits, ``confidence``
    is the share of the choice among its candidates (None if it was the only
    one)."""
    item = _analyze(line, model, codepage, style,
                    "\ufffd" in line and has_question_damage(line))
    if item is None:
        return []
    if model.topic is not None:
        _topic_bonus(model, [item], codepage)
    _decode(model, [item])
    return _finish(item, model)


_MAYBE_URL = re.compile(r"://|www\.|@|\?\w+=")


_DASH_OPTIONS: list[Option] = [("\u2013", (PUNCT,)), ("?", (END,))]


def _reads_as_english(text: str) -> bool:
    """English function words make a fifth of the undamaged words of the
    first few paragraphs (the damage cuts Vietnamese words into fragments
    such as "a" and "i": words holding a damage mark are left out)."""
    words = [word.strip(_WORD_EDGES).lower() for word in text[:5000].split()
             if "?" not in word and "\ufffd" not in word]
    # Every undamaged word counts, not only ASCII ones: "do", "to" and "in"
    # are Vietnamese too, and beside "khó" or "nhà" they are no English.
    words = [word for word in words if word.isalpha()]
    return len(words) >= 8 and sum(word in EN_FUNCTION_WORDS for word in words) >= 0.2 * len(words)


_WORD_EDGES = "\"'“”‘’()[]{}.,;:!…-–—*_`"


def _between_digits(line: str, tokens: list, i: int) -> bool:
    """A "?" right between two numbers, no space on either side."""
    start, end = tokens[i].span()
    return (0 < i < len(tokens) - 1 and tokens[i - 1].end() == start and tokens[i + 1].start() == end
            and tokens[i - 1].group()[-1].isdigit() and tokens[i + 1].group()[0].isdigit())


def _letterless_damage(line: str, tokens: list, i: int, codepage: str) -> bool:
    """Damage marks with no letter (``?`` for ``ở``, ``??`` for ``để``)
    standing as a word: spaces or the line edge before, a space, the line
    end or punctuation after, and a word next to it. Not a "?" in a line
    without other damage that shows letters the codepage lacks, intact
    ("? Nam [không chắc chắn]": a real question mark)."""
    token = tokens[i].group()
    if len(token) > 3 or any(c not in DAMAGE for c in token):
        return False
    start, end = tokens[i].span()
    if start > 0 and line[start - 1] != " ":
        return False
    if end < len(line) and line[end] not in " ,.;:!)\u2026":
        return False
    before = tokens[i - 1].group() if i > 0 else ""
    after = tokens[i + 1].group() if i + 1 < len(tokens) else ""
    if not (_wordish(before) or _wordish(after)):
        return False
    other_damage = any(_is_damaged(t.group()) for t in tokens)
    if "?" in token:
        return other_damage or not _shows_lost_letters(line, codepage)
    # A lone U+FFFD among intact words is more likely a lost dash or symbol.
    return other_damage


def _shows_lost_letters(line: str, codepage: str) -> bool:
    """Whether ``line`` holds a letter that ``codepage`` cannot write (so
    it did not go through it)."""
    if codepage == "ascii":
        return any(not c.isascii() and c.isalpha() for c in line)
    return not _cp1252_writable(line)


# An acronym: capitals (ASCII: the others lose their marks in acronyms) and
# lone damage marks, at least one capital.
_ACRONYM_RE = re.compile(r"(?=.*[A-Z])(?:[A-Z]|[?\ufffd](?![?\ufffd])){2,8}")


def _acronym(line: str, match: re.Match, may_end: bool) -> str | None:
    """``H?ND`` as ``HĐND``: Vietnamese acronyms keep Đ as their only letter
    outside ASCII (Hội đồng nhân dân is HĐND, Ủy ban nhân dân UBND), so in
    an all-capitals token that is no syllable a hidden letter is Đ. None
    when the token is no such acronym, or may be one with a real question
    mark (``UBND?``): a final "?" is a letter only when a lowercase word or
    a joined code follows (``Q?-TTg``, ``NQ/?UK``)."""
    token = match.group()
    if not _ACRONYM_RE.fullmatch(token):
        return None
    end = match.end()
    if token[-1] == "?" and may_end and not (end < len(line) and (line[end].isalnum() or line[end] in "-/")):
        return None
    return "".join("\u0110" if c in DAMAGE else c for c in token)


# How often a hidden letter of an all-capitals token that is no syllable
# was Đ in held-out text (66 of 70): the confidence such a restoration gets.
ACRONYM_CONFIDENCE = 0.94

TITLE_WORDS = 5  # visible words, all capitalized, that make a line a Title Case heading


def _title_case(tokens: list, initial: list[bool]) -> bool:
    """Every word whose first letter shows (past a sentence's first), and
    at least :data:`TITLE_WORDS` of them, is capitalized: a heading in
    Title Case. (Prose lines that long always show a lowercase word: "và",
    "của"; a name written like "Ban Chỉ đạo" has too few words.)"""
    count = 0
    for token, first in zip(tokens, initial):
        word = token.group()
        if first or len(word) < 2 or not word[0].isalpha() or word.isupper():
            continue
        if not word[0].isupper():
            return False
        count += 1
    return count >= TITLE_WORDS


def _amid_lowercase(tokens: list, i: int) -> bool:
    """Token ``i`` has a word starting with a visible lowercase letter
    right before and right after it."""
    return 0 < i < len(tokens) - 1 and all(
        word[0].isalpha() and word[0].islower() for word in (tokens[i - 1].group(), tokens[i + 1].group()))


def _few_capitals(token: str) -> bool:
    """At most one visible letter, none lowercase: ``?``, ``??``, ``H?``
    (with two, :func:`apply_case` sees capitals itself)."""
    letters = len(token) - token.count("?") - token.count("\ufffd")
    return letters == 0 or (letters == 1 and not any(c.islower() for c in token))


def _capitals_kind(token: str, index: CandidateIndex, codepage: str, style: str | None) -> bool | None:
    """True for a syllable in capitals (``NG??I``, ``DÂN``), False for a
    word with a lowercase letter, None for what says nothing: fewer than
    two visible letters, or no syllable (acronyms: ``UBND``, ``H?ND``)."""
    letters = [c for c in token if c.isalpha()]
    if len(letters) < 2:
        return None
    if any(c.islower() for c in letters):
        return False
    if any(c in DAMAGE for c in token):
        options = _options(token, index, codepage, style, False)
        return True if options and options[0][1] != (UNK,) else None
    return True if index.vocab.word_id(token) != UNK else None


_CAPITALS_REACH = 6  # tokens looked at on each side for a telling word


def _amid_capitals(tokens: list, i: int, index: CandidateIndex, codepage: str, style: str | None) -> bool:
    """The nearest telling words on either side of token ``i`` (one side at
    the line's edge) are syllables in capitals: a title or a heading, where
    a token with no letter of its own to show it is in capitals too."""
    sides = []
    for step in (-1, 1):
        kind = None
        # a few tokens each way: enough to pass punctuation, and no
        # quadratic scan on a line of "???" (a script cp1252 lacks)
        for j in range(i + step, i + step * (_CAPITALS_REACH + 1), step):
            if not 0 <= j < len(tokens):
                break
            kind = _capitals_kind(tokens[j].group(), index, codepage, style)
            if kind is not None:
                break
        sides.append(kind)
    return any(sides) and False not in sides


def _in_code(line: str, match: re.Match) -> bool:
    """A (short) token joined by "-" or "/" to a number or to capitals: part
    of a code such as ``15/2020/N?-CP``."""
    start, end = match.span()
    if not (line[end:end + 1] in _JOINERS or line[start - 1:start] in _JOINERS):
        return False
    after, before = line[end:end + 3], line[max(start - 3, 0):start]
    return (len(after) >= 2 and after[0] in "-/" and (after[1].isdigit() or _capitals(after[1:3]))) or (
        len(before) >= 2 and before[-1] in "-/" and (before[-2].isdigit() or _capitals(before[-3:-1])))


_JOINERS = ("-", "/")


def _capitals(text: str) -> bool:
    return len(text) == 2 and text.isalpha() and text.isupper()


def _wordish(token: str) -> bool:
    return bool(token) and (token[-1].isalpha() or token[0].isalpha() or _is_damaged(token))


_OPTION_CACHE: dict = {}
RARE_CANDIDATE = 4.0  # log10: candidates this much rarer than the commonest are dropped


def _options(token: str, index: CandidateIndex, codepage: str, style: str | None,
             may_end: bool) -> list[Option] | None:
    """Lowercase replacements of ``token`` (same length) and their ids;
    None when the token is a word and a real question mark (``what?``).
    ``may_end``: a final ``?`` may be a question mark."""
    key = (token.lower(), codepage, style, may_end, id(index))
    cached = _OPTION_CACHE.get(key)
    if cached is not None:
        return cached
    lower_token = key[0]
    options: list[Option] = []
    seen: set[str] = set()

    def add(surface: str, ids: tuple[int, ...]) -> None:
        if surface not in seen:
            seen.add(surface)
            options.append((surface, ids))

    def fits(pattern: str) -> tuple:
        found = index.lookup(pattern, codepage, style)
        if not found and codepage != "ascii" and "?" in pattern:
            found = index.lookup(pattern, "ascii", style)
        return found

    found = fits(lower_token)
    if len(found) > 1:
        # syllables far rarer than the commonest fit are never worth a search
        floor = max(float(index.unigram[ident]) for _, ident in found) - RARE_CANDIDATE
        found = [item for item in found if index.unigram[item[1]] >= floor]
    for lower, ident in found:
        add(lower, (ident,))
    prefix = lower_token[:-1]
    if not options and lower_token.endswith("?") and prefix.isalpha():
        return None
    # A final "?" may be a real question mark: "sao?" / "thu?" (thuở).
    if lower_token.endswith("?") and may_end:
        if not prefix:
            add(lower_token, (END,))
        elif any(c in DAMAGE for c in prefix):
            if any(c.isalpha() for c in prefix):
                for lower, ident in fits(prefix):
                    add(lower + "?", (ident, END))
            else:
                add(lower_token, (END,))
        elif prefix.isalpha():
            ident = word_id(index.vocab, prefix)
            if ident:
                add(lower_token, (ident, END))
    if lower_token.strip("\ufffd") == "" and options:
        add(lower_token, (UNK,))  # a lone U+FFFD may have been a dash or a symbol
    if not options:
        options.append((lower_token, (UNK,)))
    if len(_OPTION_CACHE) > 100_000:
        _OPTION_CACHE.clear()
    _OPTION_CACHE[key] = options
    return options


TOPIC_WEIGHT = 1.5  # log10 per unit of the topic vectors' dot product (tuned on --dev lines)


def _topic_bonus(model: NgramModel, lines: list[_Line], codepage: str) -> None:
    """The topic of each line, from its intact syllables, as a bonus to
    the options of its damaged tokens: ``TOPIC_WEIGHT`` x the dot product
    of the option's vector with the mean context vector of those syllables
    (about their mean PMI with it), relative to the best option's.

    Only syllables that ``codepage`` can write count: the ones the damage
    could have hit would, once restored, change the context of the tokens
    left damaged when the text is cleaned again (cleaning is idempotent)."""
    writable = str.isascii if codepage == "ascii" else _cp1252_writable
    contexts = [[options[0][1][0] for options in item.positions
                 if len(options) == 1 and writable(options[0][0])] for item in lines]
    targets = [(item, p) for item in lines for p in item.damaged if len(item.positions[p]) > 1]
    for (item, p), part in zip(targets, _topic_scores(model, lines, contexts, targets)):
        old = item.bonuses.get(p)
        item.bonuses[p] = part if old is None else old + part
        item.topic[p] = part


def _topic_scores(model: NgramModel, lines: list[_Line], contexts: list[list[int]],
                  targets: list[tuple[_Line, int]]) -> list[np.ndarray]:
    """Per target ``(line, position)``: ``TOPIC_WEIGHT`` x the dot product of
    each option's topic vector with the mean context vector of its line's
    ``contexts`` ids, less the best option's (zeros without context)."""
    if not targets:
        return []
    words, context_vectors = model.topic, model.topic_ctx
    size = len(words)
    base = len(SPECIALS)
    means = np.zeros((len(lines), words.shape[1]), np.float32)
    for n, ids in enumerate(contexts):
        ids = [i for i in ids if base <= i < size]
        if ids:
            means[n] = context_vectors[ids].mean(axis=0)
    row_of = {id(item): n for n, item in enumerate(lines)}
    sizes = np.array([len(item.positions[p]) for item, p in targets])
    ids = np.array([ids[0] for item, p in targets for _, ids in item.positions[p]], np.int64)
    ids[ids >= size] = 0
    line_of = np.repeat(np.array([row_of[id(item)] for item, _ in targets]), sizes)
    score = np.empty(len(ids))
    # per block of lines: each line's score of every syllable its options
    # use (einsum, not a matrix product: BLAS threads would spin on the
    # other cores for these small products)
    unique, inverse = np.unique(ids, return_inverse=True)
    vectors = words[unique]
    block = 256
    for start in range(0, len(lines), block):
        rows = np.flatnonzero((line_of >= start) & (line_of < start + block))
        if len(rows):
            table = np.einsum("lk,uk->lu", means[start:start + block], vectors)
            score[rows] = table[line_of[rows] - start, inverse[rows]]
    score *= TOPIC_WEIGHT
    heads = np.cumsum(sizes) - sizes
    score -= np.repeat(np.maximum.reduceat(score, heads), sizes)
    return np.split(score, heads[1:])


def _cp1252_writable(text: str) -> bool:
    return not any(c in _CP1252_LOSES_ANY_CASE for c in text)


_CP1252_LOSES_ANY_CASE = CP1252_LOSES | {c.upper() for c in CP1252_LOSES}


def _topic_update(model: NgramModel, lines: list[_Line], targets: list[tuple[int, int]],
                  confident: dict[tuple[int, int], bool]) -> np.ndarray:
    """For each option of ``targets`` (line number, position): the topic
    bonus with every intact syllable and the ``confident`` first-pass
    restorations of its line as context, less the bonus it already has."""
    contexts = []
    for n, item in enumerate(lines):
        ids = [options[0][1][0] for options in item.positions if len(options) == 1]
        ids += [item.positions[p][item.path[p]][1][0] for p in item.shares if confident.get((n, p))]
        contexts.append(ids)
    scores = _topic_scores(model, lines, contexts, [(lines[n], p) for n, p in targets])
    return np.concatenate([score - lines[n].topic.get(p, 0.0) for (n, p), score in zip(targets, scores)])


def restore_document(doc: Document, config: Config) -> None:
    """Restore the damaged tokens of ``doc.text`` in place, recording each."""
    if not has_inner_damage(doc.text):
        # Only word-final or lone "?": clean text asking questions ("cho?",
        # "sao ?"). Lossy damage always hits letters inside words too.
        return
    if _reads_as_english(doc.text):
        # English ("?API=1" in a link, "js?b" in code): the restorer's
        # syllables and acronyms (a hidden Đ) are Vietnamese.
        return
    try:
        model = load_model(config.model)
    except ModelError as exc:
        if config.model:
            raise RestoreModelError(str(exc)) from None
        doc.warnings.append(f"lossy damage left unresolved: {exc}")
        return
    min_confidence = config.restore_min_confidence
    codepage = codepage_for(doc.text)
    # A text with both kinds of damage lost letters twice: "?" where a
    # codepage lacked them, "\ufffd" where a decode broke, which hits any
    # letter (the design card's "L?y l?i m\ufffd b?o m?t": "mã").
    broken_decode = "\ufffd" in doc.text and has_question_damage(doc.text)
    style = text_tone_style(doc.text) or model.meta.get("tone_style")
    lines = doc.text.split("\n")
    todo: list[tuple[int, _Line]] = []
    for number, line in enumerate(lines, 1):
        if "?" not in line and "\ufffd" not in line:
            continue
        item = _analyze(line, model, codepage, style, broken_decode)
        if item is not None:
            todo.append((number, item))
    if model.topic is not None:
        _topic_bonus(model, [item for _, item in todo], codepage)
    # decoded in batches: one search over many lines is much faster
    for begin in range(0, len(todo), _BATCH_LINES):
        _decode(model, [item for _, item in todo[begin:begin + _BATCH_LINES]])
    again = _document_cache(model, [item for _, item in todo], codepage == "ascii")
    for begin in range(0, len(again), _BATCH_LINES):
        batch = again[begin:begin + _BATCH_LINES]
        _decode(model, [item for item, _ in batch], [focus for _, focus in batch])
    changed = False
    for number, item in todo:
        line = item.line
        edits = _finish(item, model)
        pieces, last = [], 0
        for start, end, before, after, share in edits:
            if after is None or (share is not None and share < min_confidence):
                guess = f" (best guess {after!r}, confidence {share:.2f})" if after and share is not None else ""
                doc.record(STAGE, "lossy-unresolved", number, before, before,
                           f"lossy '?' damage left as is: no confident restoration{guess}",
                           confidence=round(share, 3) if share is not None else None)
                continue
            if after == before:
                continue  # a real question mark
            confidence = 1.0 if share is None else round(share, 3)
            reason = "lossy damage restored from context by the syllable model"
            if confidence < LOW_CONFIDENCE:
                reason += " (low confidence)"
            doc.record(STAGE, "lossy", number, before, after, reason, confidence=confidence)
            pieces.append(line[last:start])
            pieces.append(after)
            last = end
        if pieces:
            pieces.append(line[last:])
            lines[number - 1] = "".join(pieces)
            changed = True
    if changed:
        doc.text = "\n".join(lines)
