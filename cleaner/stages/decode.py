"""Decode bytes to text: BOM, UTF-8 (tolerating a few bad bytes), legacy
Vietnamese encodings, then chardet. Binary input is refused."""

from __future__ import annotations

import codecs
import re

from ..config import Config
from ..document import Document
from ..errors import BinaryInputError, DecodeError
from .normalize import line_feeds

STAGE = "decode"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# File signatures of common binary formats (checked before anything else).
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive (or DOCX/XLSX/JAR)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "ELF executable"),
    (b"MZ", "Windows executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "OLE document (DOC/XLS)"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"OggS", "Ogg media"),
    (b"fLaC", "FLAC audio"),
    (b"ID3", "MP3 audio"),
    (b"RIFF", "RIFF media (WAV/AVI/WebP)"),
    (b"\x00asm", "WebAssembly module"),
    (b"\xca\xfe\xba\xbe", "Java class / Mach-O"),
)
_MZ_MIN = 64  # "MZ" alone is also plain text; require a plausible header size

# C0 controls other than tab, LF, VT, FF, CR and ESC.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_CONTROL_BYTE_SET = bytes([*range(0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])  # the same bytes
_HIGH_BYTES = re.compile(rb"[\x80-\xff]")


def _is_printable(data: bytes) -> bool:
    return all(0x20 <= byte < 0x7F for byte in data)


def _looks_like_text(data: bytes) -> bool:
    """No control bytes, and the first KiB is UTF-8 (a character cut at the
    end allowed): cleaner's own output always passes."""
    if _CONTROL_BYTES.search(data, 0, 65536):
        return False
    head = data[:1024]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.end == len(head) and len(head) - exc.start < 4
    return True


def check_not_binary(data: bytes) -> None:
    """Raise :class:`BinaryInputError` when ``data`` is evidently not text."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            if magic == b"MZ" and (len(data) < _MZ_MIN or b"PE\x00\x00" not in data[:1024]):
                continue
            if magic == b"ID3" and len(data) < 10:
                continue
            if _is_printable(magic) and _looks_like_text(data):
                continue  # "RIFF", "%PDF-", "ID3 tags ..." can begin plain text too
            raise BinaryInputError(f"binary file ({name}), not text")
    sample = data[:65536]
    if b"\x00" in sample:
        raise BinaryInputError("binary file (contains NUL bytes), not text")
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTE_SET))  # counted in C, no match objects
    # A few control bytes occur in legacy text (VISCII/VPS capitals); many do not.
    if controls > 8 and controls > 0.05 * len(sample):
        raise BinaryInputError("binary file (too many control bytes), not text")


def _utf16_without_bom(data: bytes) -> str | None:
    """Text of UTF-16 data without a BOM, recognised by its NUL pattern."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0)
    odd_nuls = data[1::2].count(0)
    half = len(data) // 2
    for encoding, nuls, other in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if nuls >= 0.6 * half and other <= 0.05 * half:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
            if printable >= 0.95 * len(text):
                return text
    return None


def _decode_bad_utf8(data: bytes, config: Config, doc: Document) -> str | None:
    """UTF-8 with a few invalid bytes: repair each bad spot locally and
    record it. None when the bytes are not UTF-8 at heart."""
    text = data.decode("utf-8", errors="surrogateescape")
    bad_runs = list(re.finditer("[\udc80-\udcff]+", text))
    multibyte = sum(1 for ch in text if "\u0080" <= ch and not "\udc80" <= ch <= "\udcff")
    bad_spots = sum(len(_split_bad_run(m.group(0))) for m in bad_runs)
    if multibyte == 0:
        return None
    if bad_spots > config.max_bad_utf8_share * multibyte:
        # Short UTF-8 text with a cp1252 quote or "…" pasted in has only a
        # handful of valid characters per bad spot. Bytes of another
        # encoding form a valid two-byte sequence now and then by chance,
        # a three-byte one (U+0800 and up: "ạ", "ồ") hardly ever: those
        # count three times. Legacy Vietnamese still reads as such.
        strong = sum(1 for ch in text if "\u0800" <= ch and not "\udc80" <= ch <= "\udcff")
        if multibyte + 2 * strong < 2 * bad_spots or _detect_legacy(data) is not None:
            return None
    pieces = []
    last = 0
    line, position = 1, 0
    for match in bad_runs:
        line += text.count("\n", position, match.start())
        position = match.start()
        pieces.append(text[last:match.start()])
        for raw in _split_bad_run(match.group(0)):
            replacement = _repair_bad_bytes(raw)
            pieces.append(replacement)
            doc.record(
                STAGE, "invalid-utf8", line, raw.hex(" "), replacement,
                "invalid UTF-8 byte(s) " + raw.hex(" ")
                + (" read as cp1252" if replacement != "\ufffd" else " (truncated character)"),
            )
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces)


def _split_bad_run(run: str) -> list[bytes]:
    """Split a run of undecodable bytes into truncated sequences (a lead byte
    with its continuation bytes) and single stray bytes."""
    data = bytes(ord(ch) - 0xDC00 for ch in run)
    groups: list[bytes] = []
    i = 0
    while i < len(data):
        j = i + 1
        if 0xC2 <= data[i] <= 0xF4:
            while j < len(data) and 0x80 <= data[j] <= 0xBF and j - i < 4:
                j += 1
        groups.append(data[i:j])
        i = j
    return groups


def _repair_bad_bytes(raw: bytes) -> str:
    if len(raw) == 1:
        # A lone stray byte is most often cp1252 pasted into UTF-8 text.
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return "\ufffd"
    return "\ufffd"


def codec_name(encoding: str) -> str:
    """The codec ``encoding`` names (Python's, or a legacy Vietnamese one);
    a :class:`DecodeError` if none."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise DecodeError(f"unknown encoding '{encoding}'") from None


def decode(data: bytes, config: Config, doc: Document) -> None:
    """Set ``doc.text``, ``encoding``, ``confidence`` and ``method``."""
    if config.encoding:
        codec = codec_name(config.encoding)
        try:
            doc.text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise DecodeError(
                f"does not decode as {config.encoding} (byte {exc.start}: {exc.reason})"
            ) from None
        doc.encoding, doc.confidence, doc.method = codec, 1.0, "forced"
        return

    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                doc.text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {encoding} BOM but does not decode ({exc.reason})") from None
            if doc.text.startswith("\ufeff"):  # utf-16/32 codecs keep nothing, utf-8-sig strips
                doc.text = doc.text[1:]
            doc.encoding, doc.confidence, doc.method = encoding.replace("-sig", ""), 1.0, "bom"
            doc.record(STAGE, "bom", 1, "BOM", "", f"removed the {encoding} byte-order mark")
            return

    utf16 = _utf16_without_bom(data[:1 << 20]) if b"\x00" in data[:4096] else None
    if utf16 is not None:
        doc.text = _utf16_without_bom(data) or utf16
        doc.encoding = "utf-16-le" if data[1:2] == b"\x00" else "utf-16-be"
        doc.confidence, doc.method = 0.9, "utf-16 pattern"
        return

    check_not_binary(data)

    try:
        doc.text = data.decode("utf-8")
        doc.encoding = "ascii" if data.isascii() else "utf-8"
        doc.confidence, doc.method = 1.0, "utf-8"
        if doc.encoding == "ascii":
            _name_viqr(doc)
        return
    except UnicodeDecodeError:
        pass

    text = _decode_bad_utf8(data, config, doc)
    if text is not None:
        doc.text, doc.encoding, doc.method = text, "utf-8", "utf-8 with repairs"
        doc.confidence = 0.9
        return

    legacy = _detect_legacy(data)
    if legacy is not None:
        encoding, score = legacy
        doc.text = data.decode(encoding)
        doc.encoding, doc.confidence, doc.method = encoding, score, "vietnamese-legacy"
        return

    _decode_with_chardet(data, config, doc)


def _name_viqr(doc: Document) -> None:
    """ASCII text written in VIQR (``Vie^.t Nam``) is named so; the legacy
    stage converts it."""
    try:
        from ..legacy.detect import viqr_share
    except ImportError:
        return
    share = viqr_share(doc.text)
    if share:
        doc.encoding, doc.confidence, doc.method = "viqr", share, "viqr-syllables"


def _detect_legacy(data: bytes) -> tuple[str, float] | None:
    """Legacy Vietnamese encodings no detector knows (cleaner.legacy)."""
    try:
        from ..legacy import detect_bytes
    except ImportError:
        return None
    return detect_bytes(data)


def _decode_with_chardet(data: bytes, config: Config, doc: Document) -> None:
    import chardet

    guess = chardet.detect(data, prefer_superset=True, compat_names=False)
    encoding = guess.get("encoding")
    confidence = float(guess.get("confidence") or 0.0)
    if not encoding or confidence < config.min_confidence:
        best = f"best guess {encoding}, confidence {confidence:.2f}" if encoding else "no guess"
        raise DecodeError(
            f"cannot tell the encoding ({best}); pass --encoding NAME"
        )
    try:
        doc.text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise DecodeError(f"chardet guessed {encoding} but the bytes do not decode; pass --encoding NAME") from None
    doc.encoding, doc.confidence, doc.method = codecs.lookup(encoding).name, confidence, "chardet"


# A high surrogate followed by a low one (a pair split by UTF-16-unaware
# code), or any other surrogate, which on its own cannot be written as UTF-8.
_SURROGATES = re.compile("[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]")
_ANY_SURROGATE = re.compile("[\ud800-\udfff]")  # one class: the engine skips to it (the pair above it cannot)


def _surrogate_repair(pair: str) -> str:
    if len(pair) == 2:
        return pair.encode("utf-16-le", "surrogatepass").decode("utf-16-le")
    return "\ufffd"


def fix_surrogates(doc: Document) -> None:
    """Join split surrogate pairs and replace lone surrogates with U+FFFD,
    recording each, so the text can always be written as UTF-8. The record
    names the code points (a surrogate itself cannot go into a report)."""
    text = doc.text
    if not _ANY_SURROGATE.search(text):
        return
    pieces, last, line = [], 0, 1
    for match in _SURROGATES.finditer(text):
        found = match.group(0)
        replacement = _surrogate_repair(found)
        line += text.count("\n", last, match.start())
        pieces += [text[last:match.start()], replacement]
        last = match.end()
        doc.record(
            STAGE, "surrogate", line,
            " ".join(f"U+{ord(ch):04X}" for ch in found), replacement,
            "split surrogate pair joined" if len(found) == 2
            else "lone surrogate (not encodable as UTF-8) -> U+FFFD",
        )
    pieces.append(text[last:])
    doc.text = "".join(pieces)


def run(doc: Document, config: Config) -> None:
    if doc.raw is None:  # clean_text: already text
        doc.encoding, doc.method = doc.encoding or "text", doc.method or "text"
        fix_surrogates(doc)
    else:
        decode(doc.raw, config, doc)
    doc.decoded_text = doc.text
    if config.line_endings:
        # Now rather than in normalize: every stage must see the lines the
        # output will have, or cleaning the output again would differ.
        if "\r" in doc.text:
            doc.text = doc.text.replace("\r\n", "\n").replace("\r", "\n")
            doc.record(STAGE, "line-ending", None, "", "", "CRLF/CR line endings -> LF")
        if "\u2028" in doc.text or "\u2029" in doc.text:
            doc.text = line_feeds(doc.text)
            doc.record(STAGE, "line-ending", None, "", "", "U+2028/U+2029 line/paragraph separators -> LF")
