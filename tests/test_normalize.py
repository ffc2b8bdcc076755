from __future__ import annotations

import cleaner
from cleaner.config import Config


def clean(text, **options):
    return cleaner.clean_text(text, Config(**options) if options else None).text


def test_clean_text_untouched():
    text = "Đảng bộ huyện Yên Lạc.\n\nDòng thứ hai “có ngoặc kép”.\n"
    assert clean(text) == text


def test_nfc():
    assert clean("Vie\u0323\u0302t Nam\n") == "Việt Nam\n"


def test_eth_lookalike_only_in_vietnamese_words():
    assert clean("Ðổi mới và Ðảng\n") == "Đổi mới và Đảng\n"
    assert clean("Ég veit það, Ðórður.\n") == "Ég veit það, Ðórður.\n"


def test_invisible_characters():
    assert clean("a\u200bb\ufeffc\u00add\n") == "abcd\n"
    # ZWJ inside an emoji sequence stays; between Latin letters it goes.
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert clean(f"{family} x\u200dy\n") == f"{family} xy\n"
    # ZWNJ is needed in Persian.
    persian = "می\u200cخواهم\n"
    assert clean(persian) == persian


def test_spaces_and_lines():
    assert clean("a\u00a0\u00a0b \t\n \u00a0\n\n\n\nc  d   \r\ne") == "a b\n\nc d\ne\n"
    assert clean("  indented  text\n") == "  indented text\n"
    assert clean("\n\nfirst\n") == "first\n"
    assert clean("a\n\n\n\nb\n", max_blank_lines=2) == "a\n\n\nb\n"
    assert clean("a\n\n\n\nb\n", max_blank_lines=-1) == "a\n\n\n\nb\n"


def test_control_characters():
    assert clean("a\x07b\x08c\x7fd\n") == "abcd\n"


def test_ideographic_space_kept():
    assert clean("日本語\u3000テキスト\n") == "日本語\u3000テキスト\n"


def test_tone_style():
    assert clean("hòa thủy hóa\n", tone_style="new") == "hoà thuỷ hoá\n"
    assert clean("hoà thuỷ hoá\n", tone_style="old") == "hòa thủy hóa\n"
    assert clean("hoà thuỷ\n") == "hoà thuỷ\n"  # off by default


def test_switches_off():
    text = "a\u00a0b  \r\n"
    assert clean(text, odd_spaces=False, strip_trailing=False, line_endings=False,
                 final_newline=False, collapse_spaces=False) == text


def test_changes_are_recorded_with_lines():
    doc = cleaner.clean_text("ok\nx\u00a0y\n")
    [change] = [c for c in doc.changes if c.kind == "nbsp"]
    assert (change.stage, change.line, change.before, change.after) == ("normalize", 2, "x\u00a0y", "x y")


def test_eth_in_ipa_stays():
    ipa = "tiếng Tây Ban Nha: [ˈdjeɣo ða ˈsilβa ˈkosta]\n"
    assert clean(ipa) == ipa
    assert clean("Thành phố Ðà Nẵng\n") == "Thành phố Đà Nẵng\n"
    galician = "tiếng Galicia: [kaŋˈtiɣaz ðe ˈsaŋta maˈɾi.a], tiếng Việt\n"
    assert clean(galician) == galician
    # stress written with apostrophes, no IPA letter near: the brackets tell
    spanish = "República de Costa Rica, IPA: [re'puβlika ðe 'kosta 'rrika]), là một quốc gia\n"
    assert clean(spanish) == spanish
    assert clean("Ông [Ðỗ Văn Nam] và bà [Ðào]\n") == "Ông [Đỗ Văn Nam] và bà [Đào]\n"


def test_unicode_line_and_paragraph_separators_become_line_ends():
    doc = cleaner.clean_text("Một\u2028hai\u2029ba\n")
    assert doc.text == "Một\nhai\nba\n"
    assert [c.kind for c in doc.changes] == ["line-ending"]
    assert cleaner.clean_text("Một\u2028hai\n", cleaner.Config(line_endings=False)).text == "Một\u2028hai\n"


def test_eths_made_d_are_evidence_for_the_eths_near_them():
    """"ðánh" sits by "Thực hiện"; "ðo" only by "đánh" once that is made:
    a second run would take it, so one run goes on until none changes."""
    text = "Thực hiện phân tích, ðánh giá công tác lnh ðo, ch ðo thc hin các nhim v.\n"
    once = cleaner.clean_text(text).text
    assert "ð" not in once
    assert cleaner.clean_text(once).text == once
