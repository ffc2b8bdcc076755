"""Recognise legacy Vietnamese by how Vietnamese each candidate reading
looks: the share of words that are valid syllables (cleaner.vietnamese).

* :func:`detect_bytes`: undecodable bytes in TCVN3, VNI, VISCII, VPS or
  Windows-1258.
* :func:`repair_text`: lines that are such bytes read as cp1252/latin-1
  upstream (``§¶ng``, ``Ñaûng``), and VIQR (``DDa?ng``), converted back
  line by line; a file may mix encodings.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

from .. import vietnamese
from ..document import Document
from ..fastpath import (
    BY_TABLE_AFTER,
    char_table,
    code_points,
    lines_holding,
    numpy_worth_it,
    to_nfc,
)
from . import viqr
from .capitals import is_folded
from .codec import BYTE_ENCODINGS, decode, single_byte_table
from .tables import CP1252, cp1252_bytes, syllable_counts

STAGE = "repair"
LABELS = {
    "tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows", "viscii": "VISCII", "vps": "VPS",
    "cp1258": "Windows-1258", "viqr": "VIQR",
}
_SAMPLE = 64 * 1024  # bytes scored by detect_bytes
# Bytes Python's cp1258 codec cannot decode (the decode stage uses it).
_CP1258_UNDEFINED = re.compile(rb"[\x81\x8a\x8d-\x90\x9a\x9d\x9e]")
# A character that no cp1252/latin-1 reading of bytes produces: the line is
# not legacy text read as cp1252 (all proper Vietnamese lines have one).
_NOT_CP1252 = re.compile(
    "[^\x00-\xff" + "".join(re.escape(c) for c in sorted(set(CP1252[0x80:0xA0]))) + "]"
)
# Evidence of VIQR worth a closer look: a shape mark after its vowel, a
# grave/tilde after a vowel, or "dd" before a vowel.
_VIQR_HINT = re.compile(r"[aeoAEO][\^(]|[ouOU][+*]|[aeiouyAEIOUY][`~]|\b(?:dd|DD|Dd)[aeiouyAEIOUY]")


def counts(text: str) -> tuple[int, int]:
    """(words that are Vietnamese syllables with a Vietnamese letter, other
    words with a non-ASCII letter). ASCII words are neutral."""
    good, bad, _ = assess(text)
    return good, bad


def assess(text: str) -> tuple[int, int, float]:
    """(good words, bad words, frequency): see :func:`counts`; the
    frequency (summed log counts of the non-ASCII words in Vietnamese
    Wikipedia) breaks ties between readings that are all valid syllables
    ("Gõng"/"Gừng")."""
    good = bad = 0
    freq = 0.0
    for word, number in Counter(vietnamese.words(text)).items():
        if word.isascii():
            continue
        is_good, word_freq = _word_info(word)
        freq += word_freq * number
        if is_good and len(word) == 1:
            continue  # "ở", "Õ": too weak (a lone "ì" may be "×" in another encoding)
        if is_good:
            good += number
        else:
            bad += number
    return good, bad, freq


@lru_cache(maxsize=1 << 17)
def _word_info(word: str) -> tuple[bool, float]:
    good = vietnamese.has_vietnamese_letter(word) and _is_syllable(word)
    return good, math.log1p(syllable_counts().get(word.lower(), 0))


def _is_syllable(word: str) -> bool:
    return vietnamese.is_syllable(word) and (word.islower() or word.isupper() or word[1:].islower())


def _score(pair: tuple[int, int]) -> int:
    return pair[0] - 2 * pair[1]


def detect_bytes(data: bytes) -> tuple[str, float] | None:
    """(encoding, score) when ``data`` reads as Vietnamese in one of the
    legacy encodings clearly better than as cp1252; None otherwise."""
    sample = data[:_SAMPLE]
    if len(data) > _SAMPLE and b"\n" in sample:
        sample = sample[:sample.rindex(b"\n")]
    baseline = counts(sample.decode("latin-1").translate(_CP1252_TABLE))
    best = None
    for encoding in BYTE_ENCODINGS:
        if encoding == "cp1258" and _CP1258_UNDEFINED.search(data):
            continue
        good, bad, freq = assess(decode(sample, encoding, capitals=False))
        key = (_score((good, bad)), freq, encoding, (good, bad))
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        return None
    score, _frequency, encoding, (good, bad) = best
    if good < 2 or bad > 0.25 * good or score <= _score(baseline):
        return None
    return encoding, round(good / (good + bad), 3)


_CP1252_TABLE = {byte: char for byte, char in enumerate(CP1252) if ord(char) != byte}


# --- text -------------------------------------------------------------------

def repair_text(doc: Document) -> None:
    """Convert legacy Vietnamese lines of ``doc.text`` to Unicode, recording
    one change per line."""
    if doc.encoding == "cp1258":
        # Python's cp1258 codec leaves the tone marks as combining characters.
        composed = to_nfc(doc.text)
        if composed != doc.text:
            doc.replace_text(composed, STAGE, "legacy", "Windows-1258 tone marks composed")
    lines = doc.text.split("\n")
    # Lines with a character outside cp1252 are Unicode (Vietnamese, or
    # another script): neither legacy text misread as cp1252 nor VIQR.
    codes = code_points(doc.text) if len(doc.text) >= BY_TABLE_AFTER and numpy_worth_it(len(doc.text)) else None
    if codes is None:
        plain = [i for i, line in enumerate(lines) if line.isascii() or not _NOT_CP1252.search(line)]
    else:  # the same, by table lookups over the whole text
        plain = (~lines_holding(codes, char_table(_CP1252_READING, outside=True))).nonzero()[0].tolist()
    changed = _repair_cp1252_lines(lines, doc, [i for i in plain if not lines[i].isascii()])
    if _has_utf8_in_cp1258(doc.text, codes):
        changed |= _repair_utf8_read_as_cp1258(lines, doc)
    if _may_be_viqr(doc.text):
        changed |= _repair_viqr_lines(lines, doc, plain)
    if changed:
        doc.text = "\n".join(lines)


_PROBE_LINES = 100  # candidate lines read every way before the rest follow the document's encoding


def _repair_cp1252_lines(lines: list[str], doc: Document, indexes: list[int]) -> bool:
    """``indexes``: the lines that are not ASCII but hold only cp1252 characters."""
    def read(index: int):
        line = lines[index]
        good, bad, freq = assess(line)
        return index, line, cp1252_bytes(line), ((good, bad), freq)

    if not indexes:
        return False
    # The first lines are read in every encoding to find the document's;
    # later lines are read in it first, and in every encoding only when it
    # does not fit (files may mix encodings). A document whose first lines
    # show no legacy text at all is left alone (the others are not read).
    # Only lines with a broken word are evidence of the document's encoding
    # (_document_encoding), and without that encoding a line that reads as
    # Vietnamese is left alone (_line_encoding): most need no other reading.
    probed = list(map(read, indexes[:_PROBE_LINES]))
    readings = {c[0]: _options(c[2], c[1], BYTE_ENCODINGS) for c in probed if c[3][0][1] != 0}
    prior = _document_encoding([(c[3], readings[c[0]]) for c in probed if c[0] in readings])
    decisions = []
    for candidate in probed:
        index, line, raw, before = candidate
        if prior is None and _reads_as_vietnamese(before):
            decisions.append((candidate, None))
            continue
        options = readings[index] if index in readings else _options(raw, line, BYTE_ENCODINGS)
        decisions.append((candidate, _line_encoding(before, options, prior)))
    if prior is None and not any(encoding for _c, encoding in decisions):
        return False
    for candidate in map(read, indexes[_PROBE_LINES:]):
        _index, line, raw, before = candidate
        if prior is None and _reads_as_vietnamese(before):
            decisions.append((candidate, None))
            continue
        options = _options(raw, line, (prior,)) if prior else {}
        if not (prior in options and _clear_fix(before, options[prior][1])):
            options = _options(raw, line, BYTE_ENCODINGS)
        decisions.append((candidate, _line_encoding(before, options, prior)))
    # Folded capitals are put back only if no converted line holds one of
    # those capitals at its own code (the document was not folded).
    chosen = {encoding for _c, encoding in decisions if encoding}
    folded = {
        encoding: is_folded("\n".join(decode(c[2], encoding, capitals=False)
                                      for c, chosen_encoding in decisions if chosen_encoding == encoding), encoding)
        for encoding in chosen
    }
    changed = False
    for (index, line, raw, _before), encoding in decisions:
        if encoding is None:
            continue
        fixed = decode(raw, encoding, capitals=folded[encoding])
        if fixed == line:
            continue
        lines[index] = fixed
        doc.record(STAGE, "legacy", index + 1, line, fixed,
                   f"legacy Vietnamese {LABELS[encoding]} read as cp1252, converted")
        changed = True
    return changed


def _options(raw: bytes, line: str, encodings) -> dict[str, tuple[bytes, tuple[int, int], float]]:
    """Each encoding's reading of a line that differs from it: (bytes,
    (good, bad), frequency)."""
    options = {}
    for encoding in encodings:
        fixed = decode(raw, encoding, capitals=False)
        if fixed != line:
            good, bad, freq = assess(fixed)
            options[encoding] = (raw, (good, bad), freq)
    return options


def _reads_as_vietnamese(before) -> bool:
    """A line's own reading has Vietnamese words and no broken one: without
    a document encoding, :func:`_line_encoding` leaves it alone."""
    (good, bad), _freq = before
    return good > 0 and bad == 0


def _clear_fix(before, after: tuple[int, int]) -> bool:
    return after[1] == 0 and after[0] > 0 and _score(after) > _score(before[0])


def _document_encoding(candidates) -> str | None:
    """The encoding that improves the document most, when it clearly does."""
    gains: dict[str, list[float]] = {}
    for before, options in candidates:
        if before[0][1] == 0:
            # No broken word: the line reads as Vietnamese already (or holds
            # only symbols such as "m²"), so it is no evidence of legacy text.
            continue
        for encoding, (_fixed, after, freq) in options.items():
            total = gains.setdefault(encoding, [0, 0.0, 0, 0])
            if _score(after) > _score(before[0]):
                total[0] += _score(after) - _score(before[0])
                total[1] += freq
                total[2] += after[0]
                total[3] += after[1]
    if not gains:
        return None
    encoding, (gain, _freq, good, bad) = max(gains.items(), key=lambda item: item[1][:2])
    if gain >= 3 and good >= 3 and bad <= 0.2 * good:
        return encoding
    return None


# A line converted on its own evidence reads as words Vietnamese text uses:
# log(1 + count in Vietnamese Wikipedia) per word, on average ("“A triggers
# B”" is no TCVN3 "ỎA triggers BÕ": two rare words).
ATTESTED = 3.0


def _line_encoding(before, options, prior) -> str | None:
    """The encoding to convert one line with: the document's unless another
    reads the line clearly better; None to leave the line alone."""
    (score_before, freq_before) = (_score(before[0]), before[1])
    if prior is None and _reads_as_vietnamese(before):
        return None  # already reads as Vietnamese, and the document shows no legacy text
    best = max(options, key=lambda name: (_score(options[name][1]), options[name][2]))
    if prior in options and _score(options[prior][1]) >= _score(options[best][1]) - 1:
        best = prior
    _fixed, (good, bad), freq = options[best]
    score = good - 2 * bad
    if best == prior:
        better = score > score_before or (
            score == score_before and freq > freq_before and _long_words(options[best][0], best))
        return best if better else None
    if good >= 2 and bad <= 0.2 * good and score > score_before + 1 and freq >= ATTESTED * good:
        return best
    if good >= 1 and bad == 0 and score > score_before and freq >= ATTESTED * good and _long_words(
            options[best][0], best):
        # a short line: "§¶ng" (Đảng); its reading must be words Vietnamese
        # text uses ("Piô V" is no TCVN3 "Piụ V")
        return best
    return None


# Characters a cp1258 reading of UTF-8 bytes gives and a cp1252 one does not.
_CP1258_ONLY = re.compile("[ĂăĐđƠơƯư₫\u0300\u0301\u0303\u0309\u0323]")
# A UTF-8 lead byte and a continuation byte as cp1258 shows them ("á»").
_UTF8_IN_CP1258 = re.compile(
    "[" + re.escape(single_byte_table("cp1258")[0xC2:0xF5]) + "]["
    + re.escape(single_byte_table("cp1258")[0x80:0xC0]) + "]"
)


def _has_utf8_in_cp1258(text: str, codes) -> bool:
    """``_UTF8_IN_CP1258.search(text)``; with ``codes`` (the text's code
    points) by table lookups: a lead character, then a continuation one."""
    if codes is None:
        return _UTF8_IN_CP1258.search(text) is not None
    import numpy

    table = single_byte_table("cp1258")
    # The continuation characters are the rare ones: found first.
    after = numpy.flatnonzero(char_table(table[0x80:0xC0])[codes])
    after = after[after > 0]
    return bool(char_table(table[0xC2:0xF5])[codes[after - 1]].any())


# What a cp1252/latin-1 reading of bytes can produce (``_NOT_CP1252`` matches the rest).
_CP1252_READING = "".join(map(chr, range(0x100))) + "".join(sorted(set(CP1252[0x80:0xA0])))


_CP1258_TO_LATIN1 = {ord(char): chr(byte) for byte, char in enumerate(single_byte_table("cp1258"))}


def _repair_utf8_read_as_cp1258(lines: list[str], doc: Document) -> bool:
    """Lines that are UTF-8 read as Windows-1258 (``Ă¬`` for ``ì``): the
    cp1258 bytes of the line must be valid UTF-8 and read as better
    Vietnamese."""
    changed = False
    for index in _lines_with(_UTF8_IN_CP1258, lines):
        line = lines[index]
        if not _CP1258_ONLY.search(line):
            continue
        for form in (line, unicodedata.normalize("NFD", line)):
            try:
                fixed = form.translate(_CP1258_TO_LATIN1).encode("latin-1").decode("utf-8")
            except UnicodeError:
                continue
            fixed = unicodedata.normalize("NFC", fixed)
            before, after = assess(line), assess(fixed)
            if fixed != line and after[0] > 0 and _score(after[:2]) > _score(before[:2]):
                lines[index] = fixed
                doc.record(STAGE, "legacy", index + 1, line, fixed,
                           "UTF-8 read as Windows-1258, converted")
                changed = True
            break
    return changed


def _lines_with(pattern: re.Pattern[str], lines: list[str]) -> list[int]:
    """Indexes of the lines where ``pattern`` (which never matches "\\n")
    matches: one scan of the joined lines, not one call per line."""
    text = "\n".join(lines)
    found: list[int] = []
    line, counted = 0, 0
    for match in pattern.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        if not found or found[-1] != line:
            found.append(line)
    return found


def _long_words(raw: bytes, encoding: str) -> bool:
    """Whether a reading's Vietnamese words are more than single letters
    (a lone "ì" may be a symbol such as "×" in another encoding)."""
    return any(len(word) > 1 and not word.isascii()
               for word in vietnamese.words(decode(raw, encoding, capitals=False)))


def _may_be_viqr(text: str) -> bool:
    """Cheap test (substring checks) before the hint regex."""
    return any(mark in text for mark in ("^", "`", "~", "+", "*", "a(", "A(", "dd", "DD", "Dd"))


def viqr_share(text: str) -> float | None:
    """For ASCII text: the share of its non-empty lines that read as VIQR
    (what the legacy stage will convert), or None when none does."""
    if not _may_be_viqr(text):
        return None
    lines = text.split("\n")
    converted = len(_viqr_readings(lines, text))
    filled = sum(1 for line in lines if line.strip())
    return round(converted / filled, 3) if converted and filled else None


def _repair_viqr_lines(lines: list[str], doc: Document, indexes: list[int]) -> bool:
    changed = False
    for index, line, fixed in _viqr_readings(lines, doc.text, indexes):
        lines[index] = fixed
        doc.record(STAGE, "legacy", index + 1, line, fixed, "VIQR (ASCII Vietnamese) converted")
        changed = True
    return changed


def _viqr_readings(lines: list[str], text: str, indexes: list[int] | None = None) -> list[tuple[int, str, str]]:
    """(index, line, Unicode reading) of each line that is VIQR, among
    ``indexes`` (default: all lines) those still in ASCII or cp1252 only."""
    # Lines with a character outside cp1252 are Unicode (Vietnamese, or
    # another script), never VIQR.
    candidates = [(index, lines[index]) for index in (range(len(lines)) if indexes is None else indexes)
                  if lines[index].isascii() or not _NOT_CP1252.search(lines[index])]
    if sum(len(_VIQR_HINT.findall(line)) for _index, line in candidates) < 2:
        return []
    strict = viqr.uses_escapes(text)
    decoded = []
    total_strong = total_changed = total_refused = 0
    for index, line in candidates:
        fixed, stats = viqr.decode_with_stats(line, strict)
        decoded.append((index, line, fixed, stats))
        total_strong += stats.strong
        total_changed += stats.changed
        total_refused += stats.refused
    prior = total_strong >= 3 and total_refused <= 0.2 * total_changed
    readings = []
    for index, line, fixed, stats in decoded:
        words = max(1, len(vietnamese.words(line)))
        if prior:  # a VIQR document: loanwords (Me'xico) are VIQR too
            accept = stats.changed >= 1 and stats.changed >= 0.15 * words or stats.refused > 0
            if accept:
                fixed = viqr.decode(line, strict, lenient=True)
        else:
            accept = (stats.strong >= 2 and stats.changed >= 0.3 * words
                      and stats.refused <= 0.2 * stats.changed)
        if accept and fixed != line:
            readings.append((index, line, fixed))
    return readings
