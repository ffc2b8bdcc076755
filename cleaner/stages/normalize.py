"""Normalize: line endings, NFC, lookalikes, invisible and control
characters, odd spaces, trailing and repeated spaces, blank lines, the
final newline, and optionally the tone-mark style. Each step is switchable
in the config and records its own kind of change."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from .. import vietnamese
from ..config import Config
from ..document import Document
from ..fastpath import holds, to_nfc

STAGE = "normalize"


def line_feeds(text: str) -> str:
    """CRLF, CR and Unicode's line and paragraph separators (U+2028 and
    U+2029, from JavaScript strings) as LF. Done by the decode stage, and
    by the mojibake stage to what ftfy makes ("â€¨" is U+2028), so that
    every stage sees the lines the output will have."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2028" in text or "\u2029" in text:
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return text



def _nfc(text: str) -> str:
    return to_nfc(text)


# Ð (U+00D0, Icelandic eth) and ð typed for Đ/đ. Only inside words that are
# Vietnamese syllables once fixed, so Icelandic "Ðað"/"við" stay.
_ETH_WORD = re.compile(r"[^\W\d_]*[Ðð][^\W\d_]*")


# Letters only Vietnamese uses (not Latin-1, not IPA): evidence that an eth
# nearby was typed for Đ. IPA "[ˈdjeɣo ða]" has none and stays.
_VIETNAMESE_ONLY = re.compile("[ăđĩũơưạ-ỹĂĐĨŨƠƯẠ-Ỹ]")
_NEIGHBOURS = 24  # characters looked at on each side of the word
_IPA = re.compile("[\u0250-\u02ff]")  # IPA letters and stress/length marks


def _fix_eth(match: re.Match[str]) -> str:
    word = match.group(0)
    fixed = word.replace("Ð", "Đ").replace("ð", "đ")
    if not vietnamese.is_syllable(fixed):
        return word
    if _VIETNAMESE_ONLY.search(fixed.replace("Đ", "").replace("đ", "")):
        return fixed
    text = match.string
    # The neighbours on the same line only (the stage may see one line or all).
    before = text[max(0, match.start() - _NEIGHBOURS):match.start()].rpartition("\n")[2]
    after = text[match.end():match.end() + _NEIGHBOURS].partition("\n")[0]
    if _IPA.search(before) or _IPA.search(after) or _in_brackets(text, match.start(), match.end()):
        return word  # a phonetic transcription: ð is the IPA letter there
    if _VIETNAMESE_ONLY.search(before) or _VIETNAMESE_ONLY.search(after):
        return fixed  # "Ðà" in "Ðà Nẵng"
    return word


_BRACKETS_REACH = 80  # characters looked at for the brackets of a transcription


# In a transcription: stress and length marks (also typed as apostrophes),
# IPA and Greek letters (β, θ, χ).
_TRANSCRIPTION_MARK = re.compile("['ˈˌːʼ\u0250-\u02ff\u0370-\u03ff]")


def _in_brackets(text: str, start: int, end: int) -> bool:
    """Whether the word at ``start:end`` sits inside "[...]" on its line
    that reads as a transcription ("IPA: [re'puβlika ðe 'kosta 'rrika]",
    stress typed as apostrophes: no IPA letter need be near the word)."""
    before = text[max(0, start - _BRACKETS_REACH):start].rpartition("\n")[2]
    after = text[end:end + _BRACKETS_REACH].partition("\n")[0]
    opening, closing = before.rfind("["), after.find("]")
    if opening <= before.rfind("]") or closing < 0 or "[" in after[:closing]:
        return False
    return _TRANSCRIPTION_MARK.search(before[opening:] + after[:closing]) is not None


def _lookalikes(text: str) -> str:
    if "Ð" not in text and "ð" not in text:
        return text
    # A word never spans a newline: search only the lines holding an eth
    # (the pattern is slow: it starts at every letter).
    lines = text.split("\n")
    for index, line in enumerate(lines):
        # A word made "đo" is evidence for the eths near it ("lnh ðo, ch
        # ðo"): passes until none changes, as a second run would go on.
        while "Ð" in line or "ð" in line:
            fixed = _ETH_WORD.sub(_fix_eth, line)
            if fixed == line:
                break
            line = fixed
        lines[index] = line
    return "\n".join(lines)


# Zero-width space, word joiner, stray BOM, soft hyphen, LRM/RLM are removed;
# ZWJ/ZWNJ only where neither neighbour needs them (emoji sequences and
# scripts such as Persian or Devanagari do).
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u00ad\u200e\u200f\u180e]")
_JOINERS = re.compile("[\u200c\u200d]")


def _joiner_needed(text: str, index: int) -> bool:
    for neighbour in (text[index - 1:index], text[index + 1:index + 2]):
        if not neighbour or neighbour.isspace():
            continue
        category = unicodedata.category(neighbour)
        if category in ("So", "Sk", "Mn", "Mc") or "\ufe00" <= neighbour <= "\ufe0f":
            return True
        if neighbour.isalpha() and ord(neighbour) >= 0x0370 and not (
            "\u1e00" <= neighbour <= "\u1eff"  # Latin Extended Additional (Vietnamese)
        ):
            return True
        if 0xD800 <= ord(neighbour) or ord(neighbour) >= 0x1F000:
            return True
    return False


def _invisible(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    if "\u200c" in text or "\u200d" in text:
        text = _JOINERS.sub(
            lambda m: m.group(0) if _joiner_needed(m.string, m.start()) else "", text
        )
    return text


# C0/C1 control characters except tab and newline (CR is handled above).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")


def _control_chars(text: str) -> str:
    return _CONTROLS.sub("", text)


# NBSP and the other fixed-width or odd spaces. The ideographic space
# (U+3000) is correct CJK text and stays.
_ODD_SPACES = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f]")


def _odd_spaces(text: str) -> str:
    return _ODD_SPACES.sub(" ", text)


def _strip_trailing(text: str) -> str:
    # Exact gate (substring tests are far cheaper than any scan).
    if " \n" not in text and "\t\n" not in text and not text.endswith((" ", "\t")):
        return text
    # Line by line: a regex ("[ \t]+$", MULTILINE) stops at every space.
    return "\n".join([line.rstrip(" \t") for line in text.split("\n")])


# Runs of spaces after the first non-space character (indentation stays).
# ("(?<=\S) {2,}" written to start with its two spaces, which the engine
# searches for at once; a leading look-behind makes it try every position.)
_SPACE_RUN = re.compile(r"  (?<=\S  ) *")


def _collapse_spaces(text: str) -> str:
    if "  " not in text:  # exact gate: the pattern needs two spaces in a row
        return text
    return _SPACE_RUN.sub(" ", text)


def _blank_lines(text: str, limit: int) -> str:
    if limit < 0:
        return text
    text = text.lstrip("\n")
    if "\n" * (limit + 2) not in text:  # exact gate for the substitution below
        return text
    return re.sub("\n{%d,}" % (limit + 2), "\n" * (limit + 1), text)


def _final_newline(text: str) -> str:
    stripped = text.rstrip("\n")
    return stripped + "\n" if stripped else ""


def steps(config: Config) -> list[tuple[str, str, Callable[[str], str]]]:
    """(kind, reason, function) for each enabled step, in order."""
    chosen: list[tuple[str, str, Callable[[str], str]]] = []
    if config.line_endings:
        chosen.append(("line-ending", "CRLF/CR and U+2028/U+2029 line endings -> LF", line_feeds))
    if config.nfc:
        chosen.append(("nfc", "Unicode NFC composition", _nfc))
    if config.invisible:
        chosen.append(("invisible", "zero-width / invisible character removed", _invisible))
    if config.control_chars:
        chosen.append(("control", "control character removed", _control_chars))
    if config.nfc and (config.invisible or config.control_chars):
        # A removed character may have stood between a letter and its
        # combining mark; compose again so the output stays NFC.
        chosen.append(("nfc", "Unicode NFC composition", _nfc))
    if config.lookalikes:
        # After the removals: "ð\x01y" must be judged as the word "ðy".
        chosen.append(("lookalike", "U+00D0 Ð (eth) -> U+0110 Đ in a Vietnamese word", _lookalikes))
    if config.odd_spaces:
        chosen.append(("nbsp", "NBSP or odd space -> space", _odd_spaces))
    if config.strip_trailing:
        chosen.append(("trailing-space", "trailing whitespace stripped", _strip_trailing))
    if config.collapse_spaces:
        chosen.append(("spaces", "run of spaces collapsed", _collapse_spaces))
    if config.tone_style:
        style = config.tone_style
        chosen.append((
            "tone-style", f"tone mark placed in the {style} style",
            lambda text: vietnamese.normalize_tone_style(text, style),
        ))
    if config.max_blank_lines >= 0:
        limit = config.max_blank_lines
        chosen.append(("blank-lines", f"at most {limit} empty line(s) in a row",
                       lambda text: _blank_lines(text, limit)))
    if config.final_newline:
        chosen.append(("final-newline", "exactly one final newline", _final_newline))
    return chosen


# Kinds recorded once per document rather than per line.
_WHOLE_DOCUMENT = {"line-ending", "final-newline"}
# Every character the three removal steps act on: one scan tells whether
# any of them has work (no step before them adds such a character).
_REMOVABLE = re.compile("[" + _INVISIBLE.pattern[1:-1] + _JOINERS.pattern[1:-1] + _CONTROLS.pattern[1:-1]
                        + _ODD_SPACES.pattern[1:-1] + "]")
_REMOVALS = (_invisible, _control_chars, _odd_spaces)


def run(doc: Document, config: Config) -> None:
    composed = None  # text known to be NFC: the second NFC pass is skipped when nothing changed
    removable = holds(_REMOVABLE, doc.text)
    for kind, reason, function in steps(config):
        if function is _nfc and doc.text == composed:
            continue
        if function in _REMOVALS and not removable:
            continue
        new_text = function(doc.text)
        if function is _nfc:
            composed = new_text
        if new_text == doc.text:
            continue
        if kind in _WHOLE_DOCUMENT:
            doc.record(STAGE, kind, None, "", "", reason)
            doc.text = new_text
        else:
            doc.replace_text(new_text, STAGE, kind, reason)
