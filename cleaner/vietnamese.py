"""Vietnamese syllable structure: parsing, plausibility scoring, tone placement.

A Vietnamese syllable is onset + rhyme + one tone. The rhyme inventory is
closed and small, so a rule-based parser recognises every real syllable
(including names such as ``nguyễn`` that word lists miss) and rejects
mojibake such as ``Ä‘Ã´ng``. Several stages share this module: the repair
guard, legacy-encoding detection and lossy restoration.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Combining tone marks (NFD) and the tone each one writes.
TONE_MARKS = {
    "\u0301": "sac",
    "\u0300": "huyen",
    "\u0309": "hoi",
    "\u0303": "nga",
    "\u0323": "nang",
}
_TONE_BY_NAME = {name: mark for mark, name in TONE_MARKS.items()}

ONSETS = (
    "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)

# Toneless rhymes (medial + nucleus + coda), as written.
RHYMES = frozenset(
    """
    a ai ao au ay am an ang anh ap at ac ach
    ăm ăn ăng ăp ăt ăc
    âu ây âm ân âng âp ât âc
    e eo em en eng ep et ec
    ê êu êm ên ênh êp êt êch
    i ia iu im in inh ip it ich
    iêu iêm iên iêng iêp iêt iêc
    y yêu yêm yên yêng yêt
    o oi om on ong op ot oc oong ooc
    ô ôi ôm ôn ông ôp ôt ôc
    ơ ơi ơm ơn ơp ơt
    u ua ui um un ung up ut uc
    uôi uôm uôn uông uôt uôc
    ư ưa ưi ưu ưm ưn ưng ưt ưc ưp
    ươi ươu ươm ươn ương ươp ươt ươc
    oa oai oay oam oan oang oanh oap oat oac oach
    oăm oăn oăng oăt oăc
    oe oeo oen oet oao
    uy uya uyu uych uynh uyn uyt uyên uyêt uyp
    uân uât uâng uây
    uê uênh uêch uơ
    uyêng
    """.split()
)
# After "qu" the u belongs to the onset: "qua" is qu + a, "quốc" qu + ôc.
# After "gi" the i is part of the onset: "gìn" is gi + in, "giữa" is gi + ưa.
_STOP_CODAS = ("p", "t", "c", "ch")

_SHAPED = "ăâêôơư"
_VOWELS = "aăâeêioôơuưy"
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def strip_tone(word: str) -> tuple[str, str | None, int]:
    """Split a word into its toneless NFC form, its tone name and the index
    (in the toneless form) of the letter that carried the tone.

    Returns tone ``None`` for level tone; raises ValueError on two tones.
    """
    tone = None
    position = -1
    letters: list[str] = []
    for char in unicodedata.normalize("NFD", word):
        if char in TONE_MARKS:
            if tone is not None:
                raise ValueError("two tone marks")
            tone = TONE_MARKS[char]
            position = len(letters) - 1
        elif unicodedata.combining(char):
            if not letters:
                raise ValueError("mark without a letter")
            letters[-1] += char
        else:
            letters.append(char)
    bare = [unicodedata.normalize("NFC", letter) for letter in letters]
    return "".join(bare), tone, position


@lru_cache(maxsize=65536)
def parse_syllable(word: str) -> tuple[str, str, str | None] | None:
    """Parse a (lower- or mixed-case) word as onset, rhyme, tone; None if it
    is not a Vietnamese syllable."""
    lower = word.lower()
    if not lower or len(lower) > 8:
        return None
    try:
        bare, tone, _ = strip_tone(lower)
    except ValueError:
        return None
    for onset in ONSETS:
        if not bare.startswith(onset):
            continue
        rhyme = bare[len(onset):]
        if onset == "qu":
            ok = rhyme in RHYMES or ("u" + rhyme) in RHYMES
        elif onset == "gi":
            ok = rhyme in RHYMES or rhyme == "" or ("i" + rhyme) in RHYMES
        else:
            ok = rhyme in RHYMES
        if not ok:
            continue
        if onset in ("k", "gh", "ngh") and rhyme[:1] not in ("i", "e", "ê", "y"):
            continue
        if tone not in (None, "sac", "nang") and rhyme.endswith(_STOP_CODAS):
            continue
        return onset, rhyme, tone
    return None


def is_syllable(word: str) -> bool:
    return parse_syllable(word) is not None


def has_vietnamese_letter(word: str) -> bool:
    """True when the word carries a letter only Vietnamese uses (a tone mark,
    a shaped vowel or đ), i.e. it is evidence of Vietnamese rather than
    just plausible ASCII."""
    lower = word.lower()
    if "đ" in lower or any(c in _SHAPED for c in lower):
        return True
    return any(c in TONE_MARKS for c in unicodedata.normalize("NFD", lower))


def words(text: str) -> list[str]:
    """The runs of letters in ``text``: combining marks belong to their
    letter; numeric symbols such as ``²`` or ``½`` end a word."""
    found = _WORD_RE.findall(text)
    if all(word.isalpha() for word in found):
        return found  # the common case: nothing to split
    result: list[str] = []
    for word in found:
        piece = ""
        for char in word:
            if char.isalpha() or unicodedata.combining(char):
                piece += char
            else:
                if piece:
                    result.append(piece)
                piece = ""
        if piece:
            result.append(piece)
    return result


def plausibility(text: str) -> float:
    """Share of letter tokens carrying a Vietnamese letter that parse as
    syllables, weighted by how Vietnamese the text looks.

    Returns a score in [0, 1]: 1 for clean Vietnamese, near 0 for mojibake
    of Vietnamese (where letters such as ``Ã``/``á»`` break syllables).
    Text with no Vietnamese-looking tokens scores 0.
    """
    good, total = vietnamese_token_counts(text)
    return good / total if total else 0.0


def vietnamese_token_counts(text: str) -> tuple[int, int]:
    """(valid Vietnamese syllables carrying diacritics, tokens with non-ASCII
    letters). Plain ASCII tokens are neutral: English and Vietnamese share
    them."""
    good = total = 0
    for token in words(text):
        if token.isascii():
            continue
        total += 1
        if has_vietnamese_letter(token) and is_syllable(token):
            good += 1
    return good, total


# --- tone placement -------------------------------------------------------

def _tone_index(bare: str, onset: str, style: str) -> int:
    """Index (in the toneless lowercase word) of the vowel that carries the
    tone, by the old (``hòa``) or new (``hoà``) convention."""
    start = len(onset)
    rhyme = bare[start:]
    vowel_positions = [start + i for i, c in enumerate(rhyme) if c in _VOWELS]
    if onset == "gi" and not vowel_positions:
        return 1  # "gì": the i of the onset carries it
    if not vowel_positions:
        return -1
    for i in vowel_positions:
        if bare[i] in _SHAPED:
            # ươ: the tone sits on ơ, the later shaped vowel.
            if bare[i] == "ư" and i + 1 < len(bare) and bare[i + 1] == "ơ":
                return i + 1
            return i
    ends_with_consonant = rhyme[-1] not in _VOWELS
    if len(vowel_positions) == 1:
        return vowel_positions[0]
    if ends_with_consonant or len(vowel_positions) >= 3:
        # "hoàn", "khuếch", "ngoài": the last vowel before the coda, or the
        # middle one of three.
        if ends_with_consonant:
            return vowel_positions[-1]
        return vowel_positions[1]
    pair = rhyme[-2:]
    if pair in ("oa", "oe", "uy") and style == "new":
        return vowel_positions[-1]
    return vowel_positions[0]


@lru_cache(maxsize=65536)
def set_tone_style(word: str, style: str) -> str:
    """Move the tone mark of one syllable to where ``style`` ("old" or "new")
    puts it. Words that are not syllables come back unchanged."""
    parsed = parse_syllable(word)
    if parsed is None or parsed[2] is None:
        return word
    onset, _rhyme, tone = parsed
    bare, _, _ = strip_tone(word)
    index = _tone_index(bare.lower(), onset, style)
    if index < 0:
        return word
    letters = list(bare)
    letters[index] = unicodedata.normalize("NFC", letters[index] + _TONE_BY_NAME[tone])
    return "".join(letters)


def normalize_tone_style(text: str, style: str) -> str:
    """Apply :func:`set_tone_style` to every word of ``text``."""
    return _WORD_RE.sub(lambda m: set_tone_style(m.group(0), style), text)
