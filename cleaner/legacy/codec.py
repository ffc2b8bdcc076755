"""Codecs for the legacy Vietnamese encodings, built from the letter tables
and registered with Python's codec registry (``bytes.decode("tcvn3")``).

Bytes that are not letters read as cp1252 (WHATWG style), as the
converters (Unikey, VBKey) and the fonts did. Decoding never fails.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

from .. import vietnamese
from .capitals import restore_capitals
from .tables import CP1252, letters
from . import viqr

# Canonical codec names and the spellings accepted for them (compared
# without case, dashes, underscores, dots and spaces).
ALIASES = {
    "tcvn3": ("tcvn3", "abc", "vn3", "tcvn", "tcvn5712", "tcvn57121", "tcvn57121993", "vntime"),
    "vni": ("vni", "vniwindows", "vniwin"),
    "viscii": ("viscii", "csviscii", "viscii11"),
    "vps": ("vps",),
    "viqr": ("viqr", "vietnet"),
}
_BY_ALIAS = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
# Encodings the byte detector and the text repair try (cp1258 is Python's).
BYTE_ENCODINGS = ("tcvn3", "vni", "viscii", "vps", "cp1258")


def canonical_name(name: str) -> str | None:
    return _BY_ALIAS.get(re.sub(r"[-_ .:]", "", name.lower()))


# --- single-byte tables -----------------------------------------------------

@lru_cache(maxsize=None)
def _single_byte(encoding: str) -> tuple[str, dict[int, str]]:
    """(decoding table, {byte: capital} for TCVN5712-1 capitals in
    0x80-0x9F, which clash with cp1252 punctuation and are read by context)."""
    chars = list(CP1252)
    ambiguous: dict[int, str] = {}
    if encoding == "tcvn3":
        for letter, code in letters("tcvn3").items():
            chars[code[0]] = letter
        own = set(letters("tcvn3"))
        # Capitals TCVN3 lacks, at the codes glibc's TCVN5712-1 gives them.
        for letter, code in letters("tcvn5712-1").items():
            if letter in own:
                continue
            if 0x80 <= code[0] <= 0x9F:
                ambiguous[code[0]] = letter
            else:
                chars[code[0]] = letter
    elif encoding == "cp1258":
        for byte in range(0x80, 0x100):
            try:
                chars[byte] = bytes([byte]).decode("cp1258")
            except UnicodeDecodeError:
                pass
    else:
        for letter, code in letters(encoding).items():
            chars[code[0]] = letter
    return "".join(chars), ambiguous


def single_byte_table(encoding: str) -> str:
    """The 256 characters bytes 0-255 read as (context aside)."""
    return _single_byte(encoding)[0]


def _decode_single(data: bytes, encoding: str, capitals: bool = True) -> str:
    table, ambiguous = _single_byte(encoding)
    text = codecs.charmap_decode(data, "strict", table)[0]
    if ambiguous and re.search(rb"[\x80-\x9f]", data):
        text = _read_ambiguous(text, data, ambiguous)
    if encoding == "cp1258":
        return unicodedata.normalize("NFC", text)
    return restore_capitals(text, encoding) if capitals else text


_LONE_PUNCTUATION = "“”‘’‚„–—…•€†‡‰‹›"


def _read_ambiguous(text: str, data: bytes, ambiguous: dict[int, str]) -> str:
    """Read a byte that is either a TCVN5712-1 capital or cp1252
    punctuation as the capital only where it completes a syllable."""
    chars = list(text)
    for match in re.finditer(rb"[\x80-\x9f]+", data):
        start, end = match.span()
        if not all(b in ambiguous for b in match.group(0)):
            continue
        left = start
        while left > 0 and text[left - 1].isalpha():
            left -= 1
        right = end
        while right < len(text) and text[right].isalpha():
            right += 1
        if left == start and right == end and end - start == 1:
            # A lone byte: a one-letter word (Ở, Ờ) unless it is punctuation.
            if text[start] not in _LONE_PUNCTUATION:
                chars[start] = ambiguous[match.group(0)[0]]
            continue
        word = text[left:start] + "".join(ambiguous[b] for b in match.group(0)) + text[end:right]
        symbol_only = not any(c in _LONE_PUNCTUATION for c in text[start:end])
        if (word.isupper() or word[1:].islower()) and (symbol_only or vietnamese.is_syllable(word)):
            # A letter-like symbol (ƒ Š ™ ...) joined to letters is a capital,
            # punctuation (“ – ...) only where it completes a syllable.
            chars[start:end] = list(word[start - left:end - left])
    return "".join(chars)


@lru_cache(maxsize=None)
def _single_byte_encoder(encoding: str) -> dict[str, bytes]:
    table, ambiguous = _single_byte(encoding)
    mapping: dict[str, bytes] = {}
    for byte, char in enumerate(table):
        mapping.setdefault(char, bytes([byte]))
    for byte, char in ambiguous.items():
        mapping[char] = bytes([byte])
    for byte in range(0x80):  # ASCII always stands for itself
        mapping[chr(byte)] = bytes([byte])
    return mapping


# --- VNI: a base letter and a mark byte, longest match first -----------------

@lru_cache(maxsize=1)
def _vni() -> tuple[re.Pattern[str], dict[str, str]]:
    table = {code.decode("latin-1"): letter for letter, code in letters("vni-windows").items()}
    pairs = sorted((seq for seq in table if len(seq) > 1), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(seq) for seq in pairs) + "|[\x80-\xff]")
    for byte in range(0x80, 0x100):
        table.setdefault(chr(byte), CP1252[byte])
    return pattern, table


def _decode_vni(data: bytes) -> str:
    pattern, table = _vni()
    return pattern.sub(lambda m: table[m.group(0)], data.decode("latin-1"))


@lru_cache(maxsize=1)
def _vni_encoder() -> dict[str, bytes]:
    mapping = {chr(byte): bytes([byte]) for byte in range(0x80)}
    mapping.update(letters("vni-windows"))
    single = {code[0] for code in mapping.values() if len(code) == 1}
    for byte in range(0x80, 0x100):
        if byte not in single:
            mapping.setdefault(CP1252[byte], bytes([byte]))
    return mapping


@lru_cache(maxsize=1)
def _cp1258_encoder() -> dict[str, bytes]:
    mapping = dict(letters("cp1258"))
    table, _ = _single_byte("cp1258")
    for byte, char in enumerate(table):
        if not unicodedata.combining(char):
            mapping.setdefault(char, bytes([byte]))
    return mapping


# --- public decode / encode --------------------------------------------------

def decode(data: bytes, encoding: str, capitals: bool = True) -> str:
    """Text of ``data`` in one of the legacy encodings (or cp1258, read
    leniently and composed to NFC). ``capitals=False`` skips putting back
    folded capitals (cheaper, for scoring candidate readings)."""
    if encoding == "vni":
        return _decode_vni(data)
    if encoding == "viqr":
        return viqr.decode(data.decode("latin-1"), lenient=True)
    return _decode_single(data, encoding, capitals)


def _encoder(encoding: str) -> dict[str, bytes]:
    if encoding == "vni":
        return _vni_encoder()
    if encoding == "cp1258":
        return _cp1258_encoder()
    return _single_byte_encoder(encoding)


def encode(text: str, encoding: str, errors: str = "strict") -> bytes:
    """``text`` (composed to NFC first) in ``encoding``. TCVN3 writes the
    capitals it lacks at their TCVN5712-1 codes."""
    text = unicodedata.normalize("NFC", text)
    if encoding == "viqr":
        return viqr.encode(text).encode("ascii", errors)
    mapping = _encoder(encoding)
    out = bytearray()
    for index, char in enumerate(text):
        code = mapping.get(char)
        if code is None:
            if errors == "strict":
                raise UnicodeEncodeError(encoding, text, index, index + 1, "no code in this encoding")
            if errors == "replace":
                out += b"?"
            continue
        out += code
    return bytes(out)


# --- registration -------------------------------------------------------------

def _codec_info(name: str) -> codecs.CodecInfo:
    def encode_fn(text: str, errors: str = "strict") -> tuple[bytes, int]:
        return encode(text, name, errors), len(text)

    def decode_fn(data, errors: str = "strict") -> tuple[str, int]:
        data = bytes(data)
        return decode(data, name), len(data)

    class IncrementalDecoder(codecs.BufferedIncrementalDecoder):
        # Context (VNI marks, capitals) spans bytes: decode once at the end.
        def _buffer_decode(self, data, errors, final):
            return (decode_fn(data, errors) if final else ("", 0))

    class IncrementalEncoder(codecs.IncrementalEncoder):
        def encode(self, text, final=False):
            return encode_fn(text, self.errors)[0]

    class StreamReader(codecs.StreamReader):
        decode = staticmethod(decode_fn)

    class StreamWriter(codecs.StreamWriter):
        encode = staticmethod(encode_fn)

    return codecs.CodecInfo(
        encode_fn, decode_fn, name=name,
        incrementalencoder=IncrementalEncoder, incrementaldecoder=IncrementalDecoder,
        streamreader=StreamReader, streamwriter=StreamWriter,
    )


def _search(name: str) -> codecs.CodecInfo | None:
    canonical = canonical_name(name)
    return _codec_info(canonical) if canonical else None


_registered = False


def register() -> None:
    global _registered
    if not _registered:
        codecs.register(_search)
        _registered = True

