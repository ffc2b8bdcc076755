"""Repair mojibake with ftfy, guarded so it cannot damage clean Vietnamese.

ftfy is run with ``uncurl_quotes=False`` and without its cosmetic fixes
(ligatures, widths, line breaks, normalization: the normalize stage owns
those). ftfy "fixes" some correct upper-case Vietnamese (``“NHÃ” NHẶN`` →
``“NHÔ NHẶN``), so a line's fix is accepted only when it leaves fewer
broken tokens, or when the line holds no letters that only Unicode
Vietnamese has (then ftfy's own judgement stands, as for other languages).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .. import vietnamese
from ..config import Config
from ..document import Document
from ..fastpath import ftfy_may_change, lines_ftfy_may_change
from .normalize import line_feeds

STAGE = "repair"


@lru_cache(maxsize=1)
def ftfy_config():
    """ftfy's settings for the repair stage. ftfy is imported here, when a
    line first needs it (0.1 s that a run of clean text saves)."""
    import ftfy

    return ftfy.TextFixerConfig(
        unescape_html=False,  # "&amp;" may be the text itself; not ftfy's call in plain text
        remove_terminal_escapes=True,
        fix_encoding=True,
        restore_byte_a0=True,
        replace_lossy_sequences=True,
        decode_inconsistent_utf8=True,
        fix_c1_controls=True,
        fix_latin_ligatures=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_line_breaks=False,
        fix_surrogates=True,
        remove_control_chars=False,  # legacy encodings keep letters in C0 bytes
        normalization=None,
        explain=False,
    )


# Letters that only Unicode Vietnamese text has: a cp1252 (or cp1250 ...)
# reading of UTF-8 bytes never produces them.
_UNICODE_VIETNAMESE = re.compile("[đĐơƠưƯĩĨũŨ\u1ea0-\u1ef9]")
_PUNCTUATION = ".,;:!?()[]{}\"'“”‘’«»-–—…/"


def _broken_tokens(line: str) -> int:
    """Non-ASCII tokens that are not Vietnamese syllables."""
    count = 0
    for token in line.split():
        if token.isascii():
            continue
        word = token.strip(_PUNCTUATION)
        # A lone letter ("Â", "Ô") names a letter; it is not damage.
        if len(word) > 1 and not vietnamese.is_syllable(word):
            count += 1
    return count


def accept_fix(before: str, after: str) -> bool:
    """Whether ftfy's change of one line is an improvement. In a line that
    is Unicode Vietnamese, the fix must leave fewer broken tokens; elsewhere
    ftfy's own judgement stands."""
    if not _UNICODE_VIETNAMESE.search(before):
        return True
    return _broken_tokens(after) < _broken_tokens(before)


def fix_line(line: str) -> str:
    """ftfy's fix of one line, or the line itself when the guard refuses."""
    if len(line) > REMEMBER_UP_TO:
        return _fix_line(line)
    found = _REMEMBERED.get(line)
    if found is None:
        if len(_REMEMBERED) >= REMEMBER_LINES:
            _REMEMBERED.clear()
        found = _REMEMBERED[line] = _fix_line(line)
    return found


# Lines ftfy has judged, with its answer: the settle pass asks about the
# same lines again, and scraped pages repeat their broken boilerplate
# (ftfy takes ~0.2 ms a line). Short lines only, so memory stays small.
REMEMBER_UP_TO = 1000  # characters
REMEMBER_LINES = 2048
_REMEMBERED: dict[str, str] = {}


def _fix_line(line: str) -> str:
    if not ftfy_may_change(line):
        return line
    if "\r" in line:  # CR is a line break too: fix each part as normalize will see it
        return "\r".join(fix_line(part) for part in line.split("\r"))
    import ftfy

    fixed = ftfy.fix_text(line, ftfy_config())
    if fixed != line and accept_fix(line, fixed):
        return fixed
    return line


def fix_mojibake(text: str) -> str:
    return "\n".join(fix_line(line) for line in text.split("\n"))


def run(doc: Document, config: Config) -> None:
    if not config.fix_mojibake or doc.text.isascii():
        return
    # Only lines that ftfy's badness check could flag (cleaner.fastpath).
    indexes = lines_ftfy_may_change(doc.text)
    if not indexes:
        return  # the same text object: later stages find what they knew of it
    lines = doc.text.split("\n")
    changed = False
    for index in indexes:
        line = lines[index]
        fixed = fix_line(line)
        if fixed != line:
            if config.line_endings:
                fixed = line_feeds(fixed)  # ("â€¨" was U+2028: a line end)
            doc.record(STAGE, "mojibake", index + 1, line, fixed, "mojibake repaired (ftfy)")
            lines[index] = fixed
            changed = True
    if changed:
        doc.text = "\n".join(lines)
