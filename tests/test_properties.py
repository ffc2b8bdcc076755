"""Properties of the whole pipeline, for any input (hypothesis).

For any ``str`` and any ``bytes``: ``clean_text`` / ``clean_bytes`` raise
nothing but :class:`cleaner.errors.CleanerError`; the result is NFC text
that encodes as UTF-8; and cleaning the output again changes nothing, byte
for byte (idempotence). Besides arbitrary input, the generators imitate real
damage: mojibake, lossy ``?``, legacy encodings, line endings, NBSP,
zero-width characters, huge lines.
"""

from __future__ import annotations

import codecs
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cleaner
from cleaner.errors import CleanerError

try:  # the legacy codecs (tcvn3, vni, ...) register themselves on import
    import cleaner.legacy  # noqa: F401
except ImportError:  # pragma: no cover
    pass

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

VIETNAMESE = (
    "Quận Hà Đông Thủ đô Việt Nam người dân được những tiếng nói Đảng bộ huyện "
    "Yên Lạc hòa hoà thủy thuỷ khỏe khoẻ nghiêng ngả chuyện trường học ưu tiên "
    "ĐƯỢC NGƯỜI VIỆT NHÃ NHẶN Hồ Chí Minh Nguyễn Trần Lê Phạm ấy ở ướt ửng"
).split()
EUROPEAN = (
    "café naïve Straße Ärger über Œuvre façade déjà señor año Ångström smörgåsbord "
    "Łódź żółć Český Krumlov Ñandú garçon crème brûlée für €10 “quoted” ‘single’ — – …"
).split()
ODDITIES = ["\u00a0", "\u200b", "\u200d", "\u00ad", "\ufeff", "\r\n", "\r", "\n", "\t",
            "\x00", "\x07", "\x85", "?", "\ufffd", "  ", "\u0301", "\u0323", "Ð", "ð", "\u2028"]

def _codec_exists(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


LEGACY = [name for name in ("tcvn3", "vni", "viscii", "vps", "viqr", "cp1258") if _codec_exists(name)]

words = st.sampled_from(VIETNAMESE + EUROPEAN)
sentences = st.lists(st.one_of(words, words, words, st.sampled_from(ODDITIES)), max_size=40).map(
    lambda parts: " ".join(parts))
documents = st.lists(sentences, min_size=1, max_size=8).map(
    lambda lines: "\n".join(lines))


def _sloppy_cp1252(data: bytes) -> str:
    """How a browser shows UTF-8 read as cp1252: bytes cp1252 leaves
    undefined become C1 controls."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in data)


@st.composite
def damaged_text(draw) -> str:
    """Real-world damage applied to (part of) a document."""
    text = draw(documents)
    how = draw(st.sampled_from(["mojibake", "mojibake-latin1", "double", "lossy", "legacy",
                                "endings", "spaces", "huge", "plain"]))
    if how == "mojibake":
        return _sloppy_cp1252(text.encode("utf-8"))
    if how == "mojibake-latin1":
        return text.encode("utf-8").decode("latin-1")
    if how == "double":
        return _sloppy_cp1252(_sloppy_cp1252(text.encode("utf-8")).encode("utf-8"))
    if how == "lossy":
        return text.encode("cp1252", errors="replace").decode("cp1252")
    if how == "legacy" and LEGACY:
        data = text.encode(draw(st.sampled_from(LEGACY)), errors="replace")
        return _sloppy_cp1252(data)
    if how == "endings":
        ending = draw(st.sampled_from(["\r\n", "\r", "\n\n\n", "\u2028"]))
        return text.replace("\n", ending)
    if how == "spaces":
        return text.replace(" ", draw(st.sampled_from(["\u00a0", " \u200b", "  ", "\t", "\u3000"])))
    if how == "huge":
        return text.replace("\n", " ") * draw(st.integers(50, 400))
    return text


@st.composite
def damaged_bytes(draw) -> bytes:
    text = draw(documents)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252",
                                     "latin-1", *LEGACY]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):  # a few stray bytes, as in files pasted together
        position = draw(st.integers(0, len(data)))
        data = data[:position] + draw(st.binary(max_size=3)) + data[position:]
    return data


any_text = st.one_of(
    st.text(),
    st.text(st.characters(categories=["Cs", "Cc", "Cf", "Mn", "Zs", "Lu", "Ll"])),  # surrogates too
    st.lists(st.sampled_from(ODDITIES + list("ÃÂÄÅÆâ€™œžŸ¡¢£¤¥¦§¨©ª«¬®¯°±²³´µáàảãạ"))).map("".join),
    documents,
    damaged_text(),
)
any_bytes = st.one_of(st.binary(), st.binary(max_size=4000), damaged_bytes(),
                      any_text.map(lambda t: t.encode("utf-8", errors="surrogatepass")))


def assert_clean_output(doc: cleaner.Document) -> None:
    text = doc.text
    data = text.encode("utf-8")  # raises on a lone surrogate
    assert unicodedata.is_normalized("NFC", text)
    again = cleaner.clean_text(text)
    assert again.text == text, "clean_text is not idempotent"
    assert not again.changed
    # the written bytes, read back, are a fixed point too
    reread = cleaner.clean_bytes(data)
    assert reread.output_bytes == data and not reread.changed


@FAST
@given(any_text)
def test_clean_text_any_str(text):
    try:
        doc = cleaner.clean_text(text)
    except CleanerError:
        return
    assert_clean_output(doc)


@FAST
@given(any_bytes)
def test_clean_bytes_any_bytes(data):
    try:
        doc = cleaner.clean_bytes(data)
    except CleanerError:
        return
    assert_clean_output(doc)


@settings(FAST, max_examples=60)
@given(damaged_text())
def test_damaged_text_as_bytes(text):
    """Damaged text written out as UTF-8 (how scraped files arrive)."""
    try:
        doc = cleaner.clean_bytes(text.encode("utf-8"))
    except CleanerError:
        return
    assert_clean_output(doc)


def test_lone_surrogates_become_replacement_characters():
    # (restore off: it may go on to guess the letter behind the U+FFFD)
    doc = cleaner.clean_text("a\ud800b \ud83d\ude00\n\udfff end", cleaner.Config(restore_lossy=False))
    assert doc.text == "a\ufffdb \U0001F600\n\ufffd end\n"
    recorded = [c for c in doc.changes if c.kind == "surrogate"]
    assert [(c.line, c.before) for c in recorded] == [(1, "U+D800"), (1, "U+D83D U+DE00"), (2, "U+DFFF")]
    for change in recorded:  # reports must be writable as UTF-8
        (change.before + change.after + change.reason).encode("utf-8")


@pytest.mark.parametrize("text", [
    "Ü\x08¯",  # a removed control character joins a mojibake pair
    "ð\x01y”ư",  # ... and makes a Vietnamese word out of "ð" + "y"
    "ˆ¿«®ú\x08\u0323\u200dă",  # ... and separates a letter from its accent
    "Ÿº\r¼",  # CR is a line break for ftfy as it is for normalize
    "Œµ\u00a0i",  # NBSP became a space next to mojibake
])
def test_found_idempotence_cases(text):
    assert_clean_output(cleaner.clean_text(text))


@pytest.mark.parametrize("data", [b"RIFF is a container format\n", b"%PDF-1.4 explained\n",
                                  b"ID3 tags are metadata\n"])
def test_text_starting_like_a_file_signature_is_text(data):
    assert cleaner.clean_bytes(data).text == data.decode()
