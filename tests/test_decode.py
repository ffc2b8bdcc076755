from __future__ import annotations

import codecs

import pytest

import cleaner
from cleaner.errors import BinaryInputError, DecodeError

VI = "Quận ủy Hà Đông đã tăng cường sự lãnh đạo thực hiện nhiệm vụ chính trị.\n"
FR = "Le cœur de la forêt était déjà très animé à l'aube, près du château.\n" * 5


@pytest.mark.parametrize("bom,encoding", [
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
])
def test_bom(bom, encoding):
    doc = cleaner.clean_bytes(bom + VI.encode(encoding))
    assert doc.text == VI
    assert doc.method == "bom"


def test_bom_only_file_is_empty_text():
    doc = cleaner.clean_bytes(codecs.BOM_UTF8)
    assert doc.text == ""


def test_utf16_without_bom():
    doc = cleaner.clean_bytes(VI.encode("utf-16-le"))
    assert doc.text == VI
    assert doc.encoding == "utf-16-le"


def test_strict_utf8_untouched():
    doc = cleaner.clean_bytes(VI.encode())
    assert doc.encoding == "utf-8" and doc.method == "utf-8"
    assert doc.output_bytes == VI.encode()
    assert doc.changes == []


def test_a_few_bad_bytes_are_repaired_locally():
    data = (VI * 3).encode() + b"caf\xe9 " + VI.encode() + "Việ".encode()[:-1] + b"t\n"
    doc = cleaner.clean_bytes(data)
    assert doc.encoding == "utf-8"
    assert "café" in doc.text  # stray cp1252 byte
    assert "\ufffd" in doc.text or "Việt" in doc.text  # truncated sequence
    kinds = [c.kind for c in doc.changes if c.stage == "decode"]
    assert kinds.count("invalid-utf8") == 2
    assert VI.strip() in doc.text


@pytest.mark.parametrize("data, expected", [
    # a cp1252 "…" or curly quotes pasted into a short UTF-8 line
    ("Giá vàng hôm nay tăng mạnh".encode() + b"\x85\n", "Giá vàng hôm nay tăng mạnh…\n"),
    (b"\x93" + "Chúng tôi đồng ý".encode() + b"\x94" + ", ông Nam nói.\n".encode(),
     "“Chúng tôi đồng ý”, ông Nam nói.\n"),
    ("Tôi thích ".encode() + b"caf\xe9" + " sữa đá lắm.\n".encode(), "Tôi thích café sữa đá lắm.\n"),
])
def test_one_stray_byte_in_a_short_utf8_text_is_repaired_locally(data, expected):
    doc = cleaner.clean_bytes(data)
    assert doc.method == "utf-8 with repairs"
    assert doc.text == expected
    assert cleaner.clean_bytes(doc.output_bytes).text == expected  # idempotent


def test_legacy_vietnamese_with_a_chance_utf8_sequence_stays_legacy():
    from cleaner.legacy.codec import encode

    # (the VISCII bytes of this line hold a valid UTF-8 sequence by chance)
    for encoding in ("tcvn3", "vni", "viscii"):
        text = "Người dân ở Hà Nội đang gặp khó khăn vì mưa lớn.\n"
        doc = cleaner.clean_bytes(encode(text, encoding))
        assert doc.text == text, encoding


def test_cp1252_text_goes_to_chardet():
    doc = cleaner.clean_bytes(FR.encode("cp1252"))
    assert doc.text == FR
    assert doc.method == "chardet"


def test_forced_encoding():
    doc = cleaner.clean_bytes(FR.encode("cp1252"), cleaner.Config(encoding="cp1252"))
    assert doc.text == FR and doc.method == "forced"
    with pytest.raises(DecodeError):
        cleaner.clean_bytes(b"\xff\xfe\xfd", cleaner.Config(encoding="utf-8"))
    with pytest.raises(DecodeError):
        cleaner.clean_bytes(b"abc", cleaner.Config(encoding="no-such-codec"))


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
    b"PK\x03\x04" + bytes(range(256)),
    b"\x7fELF\x02\x01\x01" + b"\x00" * 50,
    b"text\x00with\x00nul",
    bytes(range(32)) * 10,
])
def test_binary_refused(data):
    with pytest.raises(BinaryInputError):
        cleaner.clean_bytes(data)


def test_too_large_refused():
    with pytest.raises(cleaner.InputTooLargeError):
        cleaner.clean_bytes(b"a" * 100, cleaner.Config(max_file_size=10))


def test_empty_input():
    doc = cleaner.clean_bytes(b"")
    assert doc.text == "" and not doc.changed


def test_random_high_bytes_ask_for_an_encoding():
    import random

    data = bytes(random.Random(1).randrange(0x80, 0x100) for _ in range(300))
    try:
        doc = cleaner.clean_bytes(data)
    except DecodeError as exc:
        assert "--encoding" in str(exc)
    else:
        assert doc.method == "chardet"
