"""Legacy Vietnamese encodings: codecs, detection from bytes, repair of text
read as cp1252 upstream, VIQR, and the text they must never touch."""

from __future__ import annotations

import codecs
import json
import unicodedata

import pytest
from typer.testing import CliRunner

import cleaner
from cleaner.cli import app
from cleaner.document import Document
from cleaner.legacy import decode, detect_bytes, encode, repair_text
from cleaner.legacy.codec import single_byte_table
from cleaner.legacy.tables import CP1252, letters
from conftest import shared_path

ENCODINGS = ("tcvn3", "vni", "viscii", "vps", "cp1258", "viqr")
BYTE_ENCODINGS = ("tcvn3", "vni", "viscii", "vps", "cp1258")

ARTICLE = (
    "Hà Nội, ngày 12 tháng 3 năm 2024. Ủy ban nhân dân thành phố vừa công bố kế hoạch "
    "phát triển giao thông công cộng giai đoạn mới, ưu tiên xe buýt điện và đường sắt đô thị.\n"
    "Theo ông Nguyễn Văn Thắng, Giám đốc Sở Giao thông vận tải, người dân sẽ được hưởng lợi "
    "từ mạng lưới tuyến mới, giảm ùn tắc và ô nhiễm không khí ở các quận trung tâm.\n"
    "Ở Thành phố Hồ Chí Minh, chính quyền cũng đang nghiên cứu mở rộng tuyến metro số 1 "
    "đến tỉnh Bình Dương và Đồng Nai. Dự án được kỳ vọng hoàn thành trước năm 2030.\n"
    "Các chuyên gia nhận định rằng việc đầu tư đồng bộ hạ tầng sẽ thúc đẩy tăng trưởng "
    "kinh tế, tạo thêm nhiều việc làm và nâng cao chất lượng cuộc sống của người dân.\n"
    "Ấn Độ và Úc cũng quan tâm đến mô hình này; Bộ Kế hoạch và Đầu tư cho biết sẽ hợp tác.\n"
)
ARTICLE += ARTICLE.replace("Hà Nội", "Đà Nẵng").replace("2024", "2025")
SENTENCE = "Lấy lại mã bảo mật Đảng Cộng sản Việt Nam, ưu tiên, hoà thuận."


def misread(data: bytes) -> str:
    """The bytes as a browser shows them in windows-1252."""
    return "".join(CP1252[byte] for byte in data)


def repaired(text: str) -> Document:
    doc = Document(text=text, encoding="utf-8")
    repair_text(doc)
    return doc


# --- codecs ------------------------------------------------------------------

def test_codecs_are_registered_by_importing_cleaner():
    assert cleaner.__name__ == "cleaner"
    assert b"\xa7\xb6ng".decode("tcvn3") == "Đảng"
    assert b"\xa7\xb6ng".decode("ABC") == "Đảng"
    assert b"\xa7\xb6ng".decode("vn3") == "Đảng"
    assert b"\xd1a\xfbng".decode("vni") == "Đảng"
    assert b"\xd1a\xfbng".decode("VNI-Windows") == "Đảng"
    assert b"\xd0\xe4ng".decode("viscii") == "Đảng"
    assert b"\xf1\xe4ng".decode("vps") == "Đảng"
    assert b"DDa?ng".decode("viqr") == "Đảng"
    assert codecs.lookup("vni-windows").name == "vni"
    assert "Đảng".encode("tcvn3") == b"\xa7\xb6ng"


@pytest.mark.parametrize("encoding, seen", [
    ("tcvn3", "§¶ng"), ("vni", "Ñaûng"), ("viscii", "Ðäng"), ("vps", "ñäng"), ("cp1258", "ÐaÒng"),
])
def test_cp1252_views_from_the_tables_readme(encoding, seen):
    assert misread(encode("Đảng", encoding)) == seen
    assert repaired(seen).text == "Đảng"


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_letter_round_trips(encoding):
    alphabet = list(letters("tcvn5712-1"))  # all 134 letters
    if encoding == "tcvn3":  # capitals sharing a byte with cp1252 punctuation: see below
        alphabet = [c for c, code in letters("tcvn5712-1").items() if not 0x80 <= code[0] <= 0x9F]
    text = "x " + " ".join(alphabet) + " Đảng, “Việt Nam” – 100% (2024)!"
    if encoding in ("viscii", "vps", "viqr"):
        text = text.replace("“", '"').replace("”", '"').replace("–", "-")
    assert decode(encode(text, encoding), encoding) == text


def test_tcvn3_reads_tcvn5712_capitals_by_context():
    # 0x93/0x94 are “ ” in cp1252 and Ỏ Õ in TCVN5712-1.
    for text in ("“ĐỒNG” Ở ĐÂY", "HÀNG HÓA ĐẠI TƯỚNG", "Ở Thủ đô; Ỏng ẹo", "“Ồ, Ừ” – ồ"):
        assert decode(encode(text, "tcvn3"), "tcvn3") == text
    assert decode(b"\x93hi\x94 \x96 ok", "tcvn3") == "“hi” – ok"


def test_cp1258_accepts_decomposed_spellings():
    assert decode(b"ha\xcc", "cp1258") == "hà"  # keyboard drivers write "a" + grave
    assert decode(b"h\xe0", "cp1258") == "hà"  # the precomposed Latin-1 letter
    assert decode(b"\xe2\xec", "cp1258") == "ấ"


def test_vni_capitals_use_their_own_mark_bytes():
    assert encode("Á", "vni") == b"A\xd9"
    assert decode(b"A\xd9 a\xf9", "vni") == "Á á"
    assert decode(b"a\xd9", "vni") == "aÙ"  # a case-mismatched mark stays cp1252


def test_viscii_and_vps_control_byte_capitals():
    assert decode(b"\x02", "viscii") == "Ẳ"
    assert decode(b"\xa0", "viscii") == "Õ"
    assert decode(b"\x10", "vps") == "Ị"


def test_folded_tcvn3_capitals_are_put_back():
    # Unikey-style TCVN3 writes capitals it lacks as the lowercase code.
    folded = "ë Hµ Néi. HµNG HãA ViÖt".encode("latin-1")
    assert decode(folded, "tcvn3") == "Ở Hà Nội. HÀNG HÓA Việt"
    assert decode("§ç B¸ Tþ".encode("latin-1"), "tcvn3") == "Đỗ Bá Tỵ"


# --- bytes -------------------------------------------------------------------

@pytest.mark.parametrize("encoding", BYTE_ENCODINGS)
def test_detect_bytes_article_and_sentence(encoding):
    assert detect_bytes(encode(ARTICLE, encoding))[0] == encoding
    assert detect_bytes(encode(SENTENCE, encoding))[0] == encoding


@pytest.mark.parametrize("text", [
    "Le château est très beau à côté de la forêt, où l'été dure.",
    "Die Größe der Bäume über dem Fluß ist erstaunlich.",
    "El niño está aquí; mañana irá a la playa con su mamá.",
    "Não há razão para três cães estarem lá.",
])
def test_detect_bytes_leaves_western_european_cp1252(text):
    assert detect_bytes(text.encode("cp1252")) is None


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_clean_bytes_raw_and_misread(encoding):
    data = encode(ARTICLE, encoding)
    assert len(data) >= 1024 or encoding == "viqr"
    assert cleaner.clean_bytes(data).text == ARTICLE
    view = data.decode("ascii") if encoding == "viqr" else misread(data)
    doc = cleaner.clean_bytes(view.encode("utf-8"))
    assert doc.text == ARTICLE
    assert any(change.kind == "legacy" for change in doc.changes)


def test_tcvn3_soft_hyphen_u_horn():
    doc = repaired("ng\xadêi \xadu tiªn")
    assert doc.text == "người ưu tiên"
    change = doc.changes[0]
    assert (change.stage, change.kind, change.line) == ("repair", "legacy", 1)
    assert "TCVN3" in change.reason


def test_mixed_file_is_converted_line_by_line():
    lines = ["Tin mới", misread(encode(SENTENCE, "tcvn3")), misread(encode(SENTENCE, "vni")),
             "Bài viết Unicode: Hà Nội mùa thu.", misread(encode(SENTENCE, "viscii"))]
    doc = repaired("\n".join(lines))
    assert doc.text.split("\n") == ["Tin mới", SENTENCE, SENTENCE, lines[3], SENTENCE]
    reasons = [change.reason for change in doc.changes]
    assert any("TCVN3" in r for r in reasons) and any("VNI" in r for r in reasons)
    assert any("VISCII" in r for r in reasons)


def test_cli_detect_and_force(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes(encode(ARTICLE, "vni"))
    runner = CliRunner()
    result = runner.invoke(app, ["detect", str(path)])
    assert result.exit_code == 0 and "vni" in result.output
    tcvn3 = tmp_path / "tcvn3.txt"
    tcvn3.write_bytes(encode(SENTENCE, "tcvn3"))
    result = runner.invoke(app, ["clean", "--encoding", "tcvn3", str(tcvn3)])
    assert result.exit_code == 0 and result.stdout == SENTENCE + "\n"


# --- text that must stay as it is ---------------------------------------------

NEGATIVES = [
    "Le château est très beau à côté de la forêt, où l'été dure. Ça va très bien, merci!",
    "Die Größe der Bäume über dem Fluß ist erstaunlich; Müller fährt nach Köln.",
    "El niño está aquí; mañana irá a la playa con su mamá. ¿Qué pasó? ¡Olé!",
    "Zażółć gęślą jaźń. Łódź jest piękna, a Kraków też.",
    "我们今天去北京，天气很好。",
    "Москва — столица России, это большой город.",
    "São Paulo é uma cidade enorme; não há dúvida.",
    "Smørrebrød og æblekage på Ærø; Åse så det.",
    "Tôi là Hà. Ông ấy đi đâu? Bà Năm ở Đà Nẵng.",
    "Hà Nội là thủ đô của nước Cộng hòa Xã hội Chủ nghĩa Việt Nam.",
    "He said “hi” – then left… It’s 5 o’clock; café au lait costs €3.",
    "Is it? I'm here. Don't go. The U.S.A. e.g. i.e. a.m. ADD address oddly, 3.5 ^ 2 (a+b)",
    "L?y l?i m\ufffd b?o m?t",
    "Price: 5€, naïve coöperation, résumé, Zoë, Ångström, façade, señor.",
    "Ich heiße Jörg. Åsa är här. Þórður og Guðrún.",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_good_text_is_never_touched(text):
    doc = repaired(text)
    assert doc.text == text and doc.changes == []
    assert cleaner.clean_text(text + "\n").text == text + "\n" or "?" in text or "\ufffd" in text


def test_negative_document_of_many_languages():
    text = "\n".join(NEGATIVES * 3)
    assert repaired(text).text == text


def test_ftfy_negative_cases_untouched():
    cases = json.loads(shared_path("external", "ftfy-test-cases", "negative.json").read_text("utf-8"))
    for case in cases:
        doc = repaired(case["original"])
        assert doc.text == case["original"], case["label"]


# --- VIQR --------------------------------------------------------------------

VIQR = "Vie^.t Nam la` mo^.t quo^'c gia ddo^ng da^n. Ho^m nay tro+`i dde.p.\nNgu+o+`i da^n ddi la`m."


def test_viqr_is_converted():
    doc = repaired(VIQR)
    assert doc.text == "Việt Nam là một quốc gia đông dân. Hôm nay trời đẹp.\nNgười dân đi làm."
    assert all(change.reason.startswith("VIQR") for change in doc.changes)


def test_viqr_sentence_end_and_escapes():
    assert decode(b"Anh a^'y ddi.", "viqr") == "Anh ấy đi."
    assert decode(b"Bo^. Co^ng an va` ba.n ddi\\.", "viqr") == "Bộ Công an và bạn đi."
    assert decode(b"ta^y... ro^`i", "viqr") == "tây... rồi"
    assert encode("đi.", "viqr") == b"ddi\\."


def test_viqr_leaves_addresses():
    text = "Xem tho^ng tin ta.i http://vnexpress.net/a.html hoa(.c gu+?i the+ ve^` ban@toa-soan.vn nhe'."
    fixed = repaired(text).text
    assert "http://vnexpress.net/a.html" in fixed and "ban@toa-soan.vn" in fixed
    assert fixed.startswith("Xem thông tin tại")


def test_lossy_question_marks_are_not_viqr():
    text = "L?y l?i m\ufffd b?o m?t\nT?i sao hi?u qu? kinh t? c?a vi?c n?y l?i th?p?"
    assert repaired(text).text == text


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_encode_output_is_nfc_input_independent(encoding):
    decomposed = unicodedata.normalize("NFD", SENTENCE)
    assert encode(decomposed, encoding) == encode(SENTENCE, encoding)


def test_utf8_read_as_cp1258():
    text = "Hà Nội là thủ đô của Việt Nam; Ông Đoàn đi Đà Nẵng."
    seen = "".join(single_byte_table("cp1258")[byte] for byte in text.encode("utf-8"))
    doc = repaired(seen)
    assert doc.text == text
    assert "Windows-1258" in doc.changes[0].reason


def test_folded_capitals_follow_usage_and_document():
    # Unikey-style TCVN3: every capital it lacks written as the lowercase code.
    folded = "Quan hÖ víi Ên §é vµ ch©u ¸ ®­îc ñy ban xem xÐt.".encode("latin-1")
    assert decode(folded, "tcvn3") == "Quan hệ với Ấn Độ và châu Á được Ủy ban xem xét."
    # The same words in a document that writes capitals at TCVN5712-1 codes
    # ("Ý" is 0x16) are lowercase on purpose.
    not_folded = b"\x16 ki\xd5n: " + "ñy ban".encode("latin-1")
    assert decode(not_folded, "tcvn3") == "Ý kiến: ủy ban"
    doc = repaired(misread(not_folded))
    assert doc.text == "Ý kiến: ủy ban"


@pytest.mark.parametrize("text", [
    "314 – Giáo hoàng Silvester I\ng/m² và g/m² và g/m² và g/m²\nnăm 314 – Giáo hoàng\n",
    "Diện tích 5 km² và 3 m²; mật độ 120 người/km².\n" * 4 + "314 – Giáo hoàng\n",
    # a transliterated name alone on its line: TCVN3 would read "Piụ", no word
    "Giáo hoàng\nPiô V - Malta\n",
    # English with curly quotes: TCVN3 would read "ỎA triggers BÕ", rare words
    "cycles in the “A triggers B” relation.\n",
    # reStructuredText code: VIQR never doubles a mark ("``--upgrade``" is no "upgradè")
    "relevant if ``--upgrade`` is specified (except for the ``to-satisfy-only``\n``--pre``\n" * 3,
    # Markdown code ends with a grave: `value` is no "valuè" (the grave shows no VIQR alone)
    "Use `None` or `value` here, `true` or `false`, `name` and `code`.\n" * 3,
    # code points, English capitals, calls: no "Ư0110", "MIĐLE", "resolveCaă)"
    ".. |middot| unicode:: U+000B7 .. MIDDLE DOT\n" * 3 + "SOURCE_IP_ADDRESS\n`resolver.resolveCaa()`\n",
    "Copyright © 2013 W3C® (MIT, ERCIM, Keio, Beihang),\nAll Rights Reserved.\n",
])
def test_clean_vietnamese_with_symbols_untouched(text):
    """Symbols that some legacy table reads as letters (– ², …) are no
    evidence of legacy text in lines that already read as Vietnamese."""
    assert cleaner.clean_text(text).text == text


def test_detect_names_viqr_and_leaves_plain_ascii(tmp_path):
    text = "Vie^.t Nam la` mo^.t quo^'c gia o+? DDo^ng Nam A'.\nNgu+o+`i Vie^.t no'i tie^'ng Vie^.t.\n"
    (tmp_path / "viqr.txt").write_text(text, encoding="ascii")
    (tmp_path / "plain.txt").write_text("Plain English text, version 2.0 (C++ and C^2).\n", encoding="ascii")
    result = CliRunner().invoke(app, ["detect", "--json", str(tmp_path)])
    assert result.exit_code == 0, result.output
    found = {json.loads(line)["path"].rsplit("/", 1)[-1]: json.loads(line) for line in result.stdout.splitlines()}
    assert found["viqr.txt"]["encoding"] == "viqr" and found["viqr.txt"]["method"] == "viqr-syllables"
    assert found["plain.txt"]["encoding"] == "ascii"
    assert cleaner.clean_text(text).text.startswith("Việt Nam là một quốc gia ở Đông Nam Á.")
