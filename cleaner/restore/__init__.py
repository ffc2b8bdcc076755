"""Restore lossy ``?``/``\ufffd`` damage in Vietnamese text.

``L?y l?i m� b?o m?t`` was Vietnamese sent through a codepage without its
letters (or a broken decode): the letters are gone from the bytes, so they
come back from context. Each damaged token gets the syllables its pattern
fits (:mod:`.candidates`); a syllable n-gram model (:mod:`.model`, trained
by :mod:`.train`) chooses among them jointly over the line
(:mod:`.decoder`), with the undamaged words as context.

Every restoration is a ``Change(stage="repair", kind="lossy",
confidence=...)``. Tokens with no candidate (names, abbreviations such as
``H?ND``, foreign words) or whose best choice is below
``Config.restore_min_confidence`` are kept as they are and recorded as
``kind="lossy-unresolved"`` (``before == after``).
"""

from __future__ import annotations

import re
from collections import Counter

from ..config import Config
from ..document import Document
from ..errors import CleanerError
from ..vietnamese import set_tone_style, words
from .candidates import DAMAGE, CandidateIndex, apply_case, codepage_for, word_id
from .decoder import Option, best_path, confidences
from .model import ModelError, NgramModel, load_model
from .tokens import BOS, END, NUM, PUNCT, UNK

__all__ = ["restore_document", "restore_line", "load_model", "NgramModel", "ModelError"]

STAGE = "repair"
LOW_CONFIDENCE = 0.9  # below this a restoration's reason says "low confidence"

# Restoration tokens: like training tokens, but ``?``/``\ufffd`` count as
# letters inside words.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|(?:[^\W\d_]|[?\ufffd])+|[.!?\u2026]+|[^\w\s]")
# Chunks where a ``?`` is syntax, not damage: URLs, e-mail, query strings.
_SKIP_RE = re.compile(r"\S*(?:://|www\.|@|\?\w+=)\S*")
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


def restore_line(line: str, model: NgramModel, codepage: str = "cp1252",
                 style: str | None = None) -> list[tuple[int, int, str, str | None, float | None]]:
    """The damaged tokens of ``line`` as ``(start, end, before, after,
    confidence)``; ``after`` is None when no candidate fits, ``confidence``
    is the share of the choice among its candidates (None if it was the only
    one)."""
    index = _index(model)
    vocab = model.vocab
    skip = [m.span() for m in _SKIP_RE.finditer(line)] if _MAYBE_URL.search(line) else []
    tokens = list(_TOKEN_RE.finditer(line))
    positions: list[list[Option]] = []
    damaged: list[int] = []  # positions of damaged tokens
    initial: list[bool] = []  # token starts a sentence
    at_start = True
    for i, match in enumerate(tokens):
        token = match.group()
        start = match.start()
        first = token[0]
        initial.append(at_start)
        options = None
        is_word = first.isalnum()
        if (_is_damaged(token) or _letterless_damage(line, tokens, i)) and not any(
                a <= start < b for a, b in skip):
            following = tokens[i + 1].group() if i + 1 < len(tokens) else ""
            # a "?" before a lowercase word is not a question mark
            may_end = not (following[:1].isalpha() and following[:1].islower())
            options = _options(token, index, codepage, style, may_end)
            if options is not None:
                damaged.append(i)
                is_word = True
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
        return []
    path = best_path(model, positions)
    targets = [p for p in damaged if len(positions[p]) > 1]
    shares = dict(zip(targets, confidences(model, positions, path, targets)))
    result = []
    # Case: left to right, since a hidden capital depends on the word before.
    after_capital = False  # previous token is a capitalized word inside a sentence
    damaged_set = set(damaged)
    for p, match in enumerate(tokens):
        token = match.group()
        surface = token
        if p in damaged_set:
            options = positions[p]
            lower, ids = options[path[p]]
            if ids == (UNK,) and len(options) == 1:
                result.append((match.start(), match.end(), token, None, None))
            else:
                following = tokens[p + 1].group() if p + 1 < len(tokens) else ""
                before_capital = (following[:1].isupper() and not following.isupper()
                                  and END not in ids)
                previous = positions[p - 1][path[p - 1]][1][-1] if p else BOS
                capital = initial[p] or model.capital_share(
                    previous, ids[0], after_capital or before_capital) >= 128
                surface = apply_case(token, lower, capital)
                share = float(shares[p][path[p]]) if p in shares else None
                result.append((match.start(), match.end(), token, surface, share))
        after_capital = surface[:1].isupper() and not initial[p] and not (
            len(surface) > 1 and surface.isupper())
    return result


# Damage inside or at the start of a word, or any U+FFFD: proof that the
# document went through a lossy conversion.
_INNER_DAMAGE = re.compile(r"\ufffd|\?(?=[^\W\d_])")
_MAYBE_URL = re.compile(r"://|www\.|@|\?\w+=")


def _letterless_damage(line: str, tokens: list, i: int) -> bool:
    """Damage marks with no letter (``?`` for ``ở``, ``??`` for ``để``)
    standing as a word: spaces or the line edge before, a space, the line
    end or punctuation after, and a word next to it."""
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
    # A lone U+FFFD among intact words is more likely a lost dash or symbol.
    return "?" in token or any(_is_damaged(t.group()) for t in tokens)


def _wordish(token: str) -> bool:
    return bool(token) and (token[-1].isalpha() or token[0].isalpha() or _is_damaged(token))


_OPTION_CACHE: dict = {}


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

    for lower, ident in fits(lower_token):
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


def restore_document(doc: Document, config: Config) -> None:
    """Restore the damaged tokens of ``doc.text`` in place, recording each."""
    if not _INNER_DAMAGE.search(doc.text):
        # Only word-final or lone "?": clean text asking questions ("cho?",
        # "sao ?"). Lossy damage always hits letters inside words too.
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
    style = text_tone_style(doc.text) or model.meta.get("tone_style")
    lines = doc.text.split("\n")
    changed = False
    for number, line in enumerate(lines, 1):
        if "?" not in line and "\ufffd" not in line:
            continue
        edits = restore_line(line, model, codepage, style)
        if not edits:
            continue
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
