"""Chrome removal: rule engine, built-in packs, rule files, per-site config,
body protection, safety cap and the ``cleaner rules`` commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cleaner
from cleaner.cli import app
from cleaner.config import DEFAULT, Config, load_config
from cleaner.errors import ConfigError
from cleaner.rules import builtin_packs, load_file, load_rules, plan_removal
from cleaner.rules.text import detect_language, looks_like_prose
from conftest import ROOT, SAMPLES

runner = CliRunner()
PAGES = ROOT / "tests" / "data" / "chrome"
VI = tuple(r for r in load_rules(("default",), "vi") if r.category != "source")
BODY = (
    "Trong nhiệm kỳ qua, Quận ủy đã tăng cường sự lãnh đạo thực hiện nhiệm vụ chính trị của địa phương, "
    "tập trung đổi mới phương thức lãnh đạo và nâng cao chất lượng tổ chức cơ sở đảng.\n\n"
) * 6


def removed_lines(text: str, rules=VI) -> list[str]:
    plan = plan_removal(text, rules)
    return [plan.lines[i].strip() for i in sorted(plan.removed)]


def chrome_changes(doc):
    return [c for c in doc.changes if c.stage == "chrome"]


# --- the seeds ------------------------------------------------------------------

SEED_CHROME = {
    "000": ["Các bài mới đăng", "Các bài đã đăng :", "Bài viết Xem", "Viết bình luận", "Họ tên:(*)",
            "Số điện thoại:", "Tiêu đề:(*)", "Nội dung:(*)", "Mã xác nhận:"],
    "001": ["04:12 PM 17/03/2022", "Tin khác"],
    "002": ["Phản hồi", "Các tin khác", "Mới nhất", "Liên kết website"],
    "003": ["Ngày đăng: 24/08/2020", "• Tiêu đề *", "• Người gửi *", "• Email*", "• Nội dung bình luận*",
            "Các tin cùng chuyên mục"],
    "004": ["tin tức liên quan", "Chương trình phát thanh ngày 26/11/2011", "Đang online: 12",
            "Tổng truy cập: 6.577.284"],
}


@pytest.mark.parametrize("key", sorted(SEED_CHROME))
def test_seed_chrome_removed_and_body_kept(key):
    path = next((SAMPLES / "input").glob(f"{key}_*.txt"))
    text = path.read_text(encoding="utf-8")
    gone = removed_lines(text)
    assert len(gone) == len(SEED_CHROME[key])
    for expected, line in zip(SEED_CHROME[key], gone):
        assert line.replace("\u00a0", " ").startswith(expected)


def test_seed_bylines_and_sources_kept():
    text = "".join((SAMPLES / "input" / p.name).read_text(encoding="utf-8")
                   for p in sorted((SAMPLES / "input").glob("*.txt")))
    gone = set(removed_lines(text))
    for line in ("Hoàng Anh", "Hà Bình", "Theo https://kinhtedothi.vn", "Nguồn Báo PT", "Ban Biên tập",
                 "Đức Toàn (Văn phòng Ban cán sự đảng)", "Linh hoạt và chủ động"):
        assert line not in gone


# --- realistic pages with other sites' chrome ------------------------------------

PAGE_FILES = sorted(PAGES.glob("*.txt"))


@pytest.mark.parametrize("page", PAGE_FILES, ids=lambda p: p.stem)
def test_page_expected_output(page):
    config = DEFAULT.replace(restore_lossy=False)
    doc = cleaner.clean_bytes(page.read_bytes(), config, path=str(page))
    assert doc.text == page.with_suffix(".expected").read_text(encoding="utf-8")
    assert not [w for w in doc.warnings if "safety cap" in w]
    again = cleaner.clean_text(doc.text, config)
    assert again.text == doc.text  # idempotent


def test_every_removal_is_a_recorded_change():
    page = PAGES / "portal_like.txt"
    doc = cleaner.clean_bytes(page.read_bytes(), path=str(page))
    changes = chrome_changes(doc)
    assert changes and all(c.kind == "chrome" and c.rule and c.after == "" for c in changes)
    assert all(":" in c.reason for c in changes)  # "category: description"
    rules = {c.rule for c in changes}
    assert {"vi.related-list", "vi.date-line", "vi.counter"} <= rules
    multi = [c for c in changes if c.end_line]
    assert all(c.end_line > c.line for c in multi)


# --- matchers ---------------------------------------------------------------------


@pytest.mark.parametrize("line", ["Lượt xem: 1447", "Tổng truy cập: 6.577.284", "Lượt truy cập: 12,345,678",
                                  "Hôm nay: 1 204", "1.234 lượt xem", "Đang online: 12", "Views: 1,234"])
def test_counters_any_digit_grouping(line):
    assert removed_lines(BODY + line + "\n") == [line]


@pytest.mark.parametrize("line", ["HỌ TÊN:(*)", "ho ten", "  • Email*", "» Tin liên quan", "Thứ Năm, 17/03/2022 16:12 (GMT+7)",
                                  "Trang chủ > Thời sự > Chính trị", "Chia sẻ | Gửi email | In bài", "A- A A+",
                                  "Tags: xây dựng Đảng, Hà Nội", "© 2023 Báo Điện tử. Ghi rõ nguồn khi phát hành lại.",
                                  "https://example.vn/tin-tuc/abc.html", "----------"])
def test_case_diacritic_and_decoration_insensitive(line):
    assert removed_lines(BODY + line + "\n") == [line.strip()]


def test_segmented_line_removed_only_when_every_part_is_chrome():
    ok = "Ngày đăng: 03/07/2023 | Lượt đọc: 812 | In bài viết"
    mixed = "Ngày đăng: 03/07/2023 | Hội nghị tổng kết"
    assert removed_lines(ok + "\n" + BODY + mixed + "\n") == [ok]


# --- body protection ---------------------------------------------------------------


def test_prose_with_chrome_words_is_kept():
    prose = ("Bình luận về kết quả này, đồng chí Bí thư cho rằng công tác xây dựng Đảng "
             "đã có nhiều chuyển biến tích cực trong năm qua.")
    assert looks_like_prose(prose)
    assert removed_lines(BODY + prose + "\n") == []


def test_tail_marker_only_after_main_body():
    text = "Tiêu đề bài viết\n\nTin khác\n\n" + BODY + "Một dòng ngắn trong bài\n\n" + BODY + "Tin khác\n\nTiêu đề một\n\nTiêu đề hai\n"
    assert removed_lines(text) == ["Tin khác", "Tiêu đề một", "Tiêu đề hai"]


def test_related_box_inside_body_takes_only_short_headlines():
    text = BODY + "Tin liên quan:\nGiá lúa tăng mạnh\nXuất khẩu gạo kỷ lục\n" + BODY
    assert removed_lines(text) == ["Tin liên quan:", "Giá lúa tăng mạnh", "Xuất khẩu gạo kỷ lục"]
    subheading = BODY + "Tin liên quan:\nMột câu văn hoàn chỉnh của bài viết.\n" + BODY
    assert removed_lines(subheading) == ["Tin liên quan:"]


def test_source_category_off_by_default_and_switchable():
    text = BODY + "Hoàng Anh\n\nTheo https://kinhtedothi.vn\n\nNguồn: Báo Phú Thọ\n"
    doc = cleaner.clean_text(text)
    assert "Theo https://kinhtedothi.vn" in doc.text and "Hoàng Anh" in doc.text
    doc = cleaner.clean_text(text, DEFAULT.replace(categories_off=()))
    assert "Theo https" not in doc.text and "Nguồn" not in doc.text and "Hoàng Anh" in doc.text


# --- safety cap ---------------------------------------------------------------------

CHROMY = "Tiêu đề ngắn\n\n" + BODY[: len(BODY) // 6] + "Tin khác\n" + "".join(f"Tiêu đề tin số {i}\n" for i in range(30))


def test_safety_cap_keeps_document_and_warns():
    doc = cleaner.clean_text(CHROMY)
    assert "Tiêu đề tin số 29" in doc.text and not chrome_changes(doc)
    assert any("safety cap" in w and "vi.related-list" in w for w in doc.warnings)


def test_force_and_configurable_cap():
    assert "Tin khác" not in cleaner.clean_text(CHROMY, DEFAULT.replace(force=True)).text
    assert "Tin khác" not in cleaner.clean_text(CHROMY, DEFAULT.replace(safety_cap=0.95)).text


# --- selecting rules ------------------------------------------------------------------


def test_rules_none_and_single_pack():
    text = BODY + "Lượt xem: 12\n\nFacebook Twitter\n"
    assert cleaner.clean_text(text, DEFAULT.replace(rules=("none",))).text.endswith("Facebook Twitter\n")
    only_generic = cleaner.clean_text(text, DEFAULT.replace(rules=("generic",))).text
    assert "Lượt xem: 12" in only_generic and "Facebook" not in only_generic


def test_language_detection_picks_packs():
    english = ("The committee said on Monday that the new rules would be applied to all of the members "
               "of the association, and that it was not yet clear when they would be published.\n\n") * 5
    assert detect_language(english) == "en" and detect_language(BODY) == "vi"
    doc = cleaner.clean_text(english + "Related articles\nFloods hit the north\n")
    assert "Related articles" not in doc.text


def test_builtin_packs_and_examples():
    assert {"generic", "vi-news", "en-news"} <= set(builtin_packs())
    for pack in ("generic", "vi-news", "en-news"):
        for rule in load_rules((pack,)):
            assert all(rule.matches(e) for e in rule.positive), rule.id
            assert not any(rule.matches(e) for e in rule.negative), rule.id


# --- rule files, inline rules, sites ----------------------------------------------------

GOOD_RULES = """
[pack]
name = "mine"

[[rule]]
id = "mine.footer"
category = "navigation"
description = "our footer"
match = "phrase"
phrases = ["Về đầu trang nhé"]
examples = { positive = ["về đầu trang nhé"], negative = ["Về đầu"] }

[[rule]]
id = "mine.ad-block"
category = "ads"
match = "block"
start = ["BẮT ĐẦU QUẢNG CÁO"]
end = ["HẾT QUẢNG CÁO"]
"""


def test_rule_file_with_block(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(GOOD_RULES, encoding="utf-8")
    text = BODY + "BẮT ĐẦU QUẢNG CÁO\nMua ngay hôm nay\nHẾT QUẢNG CÁO\n" + BODY + "Về đầu trang nhé\n"
    doc = cleaner.clean_text(text, DEFAULT.replace(rules=("default", str(path))))
    assert "QUẢNG CÁO" not in doc.text and "Mua ngay" not in doc.text and "Về đầu trang nhé" not in doc.text
    assert {c.rule for c in chrome_changes(doc)} == {"mine.ad-block", "mine.footer"}


@pytest.mark.parametrize("body, line, message", [
    ('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "phrase"\nphrases = [1, 2]\n', 5, "list of strings"),
    ('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "phrase"\nphrase = ["a"]\n', 5, "unknown key 'phrase'"),
    ('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "fuzzy"\nphrases = ["a"]\n', 4, "'match' must be"),
    ('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "regex"\nregex = ["(a+)+$"]\n', 5, "exponential"),
    ('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "regex"\nregex = ["([a-z]"]\n', 5, "bad pattern"),
    ('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "phrase"\nphrases = ["a"\n', 5, "invalid TOML"),
    ('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "phrase"\nphrases = ["a"]\n'
     '[[rule]]\nid = "x"\ncategory = "ads"\nmatch = "phrase"\nphrases = ["b"]\n', 6, "rule id 'x' is used twice"),
    ('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "regex"\nregex = [""]\n', 5, "empty pattern"),
    ('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "phrase"\nphrases = ["a"]\nmax-length = -3\n', 6,
     "'max-length' must be a positive"),
])
def test_malformed_rule_file_names_file_and_line(tmp_path, body, line, message):
    path = tmp_path / "bad.toml"
    path.write_text('[pack]\nname = "bad"\n\n' + body.replace("\n", "\n", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_file(path)
    assert f"bad.toml:{line + 3}" in str(info.value) and message in str(info.value)


def test_malformed_rule_file_cli_exit_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "regex"\nregex = ["(a|aa)*b"]\n', encoding="utf-8")
    page = tmp_path / "a.txt"
    page.write_text("Xin chào\n", encoding="utf-8")
    result = runner.invoke(app, ["clean", "--rules", str(path), str(page)])
    assert result.exit_code == 2
    assert "bad.toml:5" in result.output and result.output.count("error") == 1


def test_long_lines_never_reach_regex_rules(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "regex"\nmax-length = 100000\n'
                    'regex = ["^a{1,30}b"]\n', encoding="utf-8")
    (rule,) = load_file(path)
    assert rule.matches("ab") and not rule.matches("a" * 20000 + "b")


def test_inline_rules_and_sites_from_config(tmp_path):
    (tmp_path / "cleaner.toml").write_text("""
categories-off = []
[[rule]]
id = "inline.promo"
category = "ads"
match = "phrase"
phrases = ["Khuyến mãi hot"]

[sites."example.vn"]
rules = ["generic"]
[[sites."example.vn".rule]]
id = "site.footer"
category = "navigation"
match = "prefix"
phrases = ["Báo Example"]
""", encoding="utf-8")
    config = load_config(start=tmp_path)
    assert config.inline_rules and config.sites and config.cache_key() != DEFAULT.cache_key()
    text = BODY + "Khuyến mãi hot\n\nBáo Example - Cơ quan ngôn luận\n\nLượt xem: 5\n"
    site = cleaner.clean_text(text, config, path=str(tmp_path / "example.vn" / "a.txt")).text
    other = cleaner.clean_text(text, config, path=str(tmp_path / "other.vn" / "a.txt")).text
    assert "Báo Example" not in site and "Lượt xem: 5" in site and "Khuyến mãi" not in site
    assert "Báo Example" in other and "Lượt xem" not in other and "Khuyến mãi" not in other


def test_config_rule_paths_relative_to_config_file(tmp_path):
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mine.toml").write_text(GOOD_RULES, encoding="utf-8")
    (tmp_path / "cleaner.toml").write_text('rules = ["default", "rules/mine.toml"]\n', encoding="utf-8")
    config = load_config(start=tmp_path)
    assert Path(config.rules[1]).is_file()
    assert "mine.footer" in {r.id for r in load_rules(config.rules, "vi")}


def test_bad_sites_section_is_config_error(tmp_path):
    with pytest.raises(ConfigError):
        Config.from_mapping({"sites": {"x.vn": {"colour": "red"}}})


# --- the rules sub-commands ----------------------------------------------------------------


def test_rules_list_and_show():
    listed = runner.invoke(app, ["rules", "list"])
    assert listed.exit_code == 0 and "vi.counter\tcounter" in listed.stdout
    shown = runner.invoke(app, ["rules", "show", "vi.counter"])
    assert shown.exit_code == 0 and "lượt xem" in shown.stdout and "vi-news.toml:" in shown.stdout
    assert runner.invoke(app, ["rules", "show", "no.such"]).exit_code == 2


def test_rules_test_reports_removals_and_failing_examples(tmp_path):
    ok = runner.invoke(app, ["rules", "test", str(SAMPLES / "input" / "001_816201bad44a9b48.txt")])
    assert ok.exit_code == 0 and "vi.related-list\tTin khác" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "phrase"\nphrases = ["a"]\n'
                   'positive = ["b"]\n', encoding="utf-8")
    failing = runner.invoke(app, ["rules", "test", "--rules", str(bad)])
    assert failing.exit_code == 1 and "should match: 'b'" in failing.output


def test_rules_test_lists_what_the_rules_match_on_a_page_over_the_safety_cap(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text("Chia sẻ | In bài viết\nLượt xem: 1.447\nTin liên quan:\nBình luận\n"
                    "Ông Nguyễn Văn A cho biết, huyện đã hỗ trợ hơn một nghìn hộ nghèo.\n", encoding="utf-8")
    result = runner.invoke(app, ["rules", "test", str(page)])
    assert result.exit_code == 0
    assert "vi.counter\tLượt xem: 1.447" in result.stdout
    assert "a run keeps this page whole" in result.stderr


def test_clean_rules_option(tmp_path):
    page = tmp_path / "a.txt"
    page.write_text(BODY + "Lượt xem: 12\n", encoding="utf-8")
    kept = runner.invoke(app, ["clean", "--rules", "none", str(page)])
    assert kept.exit_code == 0 and "Lượt xem: 12" in kept.stdout
    removed = runner.invoke(app, ["clean", "--rules", "generic", "--rules", "vi-news", str(page)])
    assert removed.exit_code == 0 and "Lượt xem" not in removed.stdout


def test_polynomial_regex_on_long_line_ends(tmp_path):
    # Passes the load-time check; the regex engine's time limit is the backstop.
    path = tmp_path / "r.toml"
    path.write_text('[[rule]]\nid = "x"\ncategory = "meta"\nmatch = "regex"\nmax-length = 100000\n'
                    'regex = ["^a*a*a*a*a*a*b"]\n', encoding="utf-8")
    (rule,) = load_file(path)
    assert not rule.matches("a" * 450)


@pytest.mark.parametrize("line", [
    "Trụ sở thường trực của Liên đoàn Ả rập đóng tại Cairo. Tổng thư ký Liên đoàn từ lâu theo truyền thống đều là người Ai Cập.",
    "Phiên bản beta đầu tiên của .NET 4 xuất hiện vào 5/2009 và phiên bản RC được ra mắt vào 2/2010, cùng với Visual Studio 2010.",
    "(C) Đề xuất của Úc về cộng đồng Châu Á Thái Bình Dương sẽ được thảo luận thêm tại một hội nghị.",
])
def test_article_sentences_that_start_like_footers_stay(line):
    text = ("Đoạn mở đầu của bài viết có đủ dài để được coi là văn xuôi, với nhiều từ chức năng của tiếng Việt.\n\n"
            + line + "\n\nĐoạn kết của bài viết cũng là văn xuôi bình thường, không có gì là rác của trang web cả.\n")
    assert cleaner.clean_text(text).text == text


# --- the combined rule index gives the rules' own answers -----------------------


def _index_lines() -> list[str]:
    """Every example and pattern of the packs, decorated, cased and
    stripped of diacritics, plus the seeds' and pages' lines."""
    from cleaner.rules.text import strip_marks
    lines = []
    for rule in load_rules(("generic", "vi-news", "en-news")):
        for text in rule.positive + rule.negative + rule.patterns + rule.end:
            lines += [text, text.upper(), strip_marks(text), f"• {text}:", f"{text} (12)",
                      f"{text} | {text}", f"Tin {text}", f"{text} 1.234 lượt"]
    for path in sorted(SAMPLES.glob("*/*.txt")) + sorted(PAGES.glob("*.txt")):
        lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    return lines


def test_rule_index_picks_the_first_matching_rule():
    from cleaner.rules.index import index_for
    from cleaner.rules.model import LINE_KINDS, Line
    rules = load_rules(("generic", "vi-news", "en-news"))
    for kinds in (LINE_KINDS, ("tail-marker",), ("block",)):
        index = index_for(tuple(r for r in rules if r.match in kinds))
        for text in _index_lines():
            view = Line.of(text)
            for protect in (True, False):
                expected = [r for r in index.rules if r.test(view, protect=protect)]
                assert index.all(view, protect) == expected, (text, protect)
                assert index.first(view, protect) is (expected[0] if expected else None)


def test_lines_normalized_together_as_one_by_one():
    from hypothesis import given, settings, strategies as st
    from cleaner.rules.text import normalize, normalize_lines

    alphabet = st.sampled_from(list(" \t\x0b\x0c\x1c\x85\xa0\u1680\u2000\u200b\u2028\u202f\u3000\ufeff\u00ad"
                                    "\x00\x7faéĐð\u0301\u0323\u1ea1x"))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.lists(alphabet, max_size=12).map("".join), max_size=6))
    def check(lines):
        assert normalize_lines(lines) == [normalize(line) for line in lines]

    check()


def test_line_finder_points_at_every_line_a_rule_matches():
    """The whole-text scans (cleaner.rules.scan) may point at too many lines,
    never too few: every line or part some rule matches is among them."""
    from cleaner.rules.engine import _SEGMENT_SPLIT
    from cleaner.rules.index import index_for
    from cleaner.rules.model import LINE_KINDS, Line
    from cleaner.rules.scan import finder_for
    from cleaner.rules.text import normalize_lines

    lines = _index_lines()
    rules = load_rules(("generic", "vi-news", "en-news"))
    finder = finder_for(rules)
    finder.prepare()
    assert not finder.every_line  # the built-in packs are all scanned
    indexes = [index_for(tuple(r for r in rules if r.match in kinds))
               for kinds in (LINE_KINDS, ("tail-marker",), ("block",))]
    norms = normalize_lines(lines)
    whole, segmented = finder.lines(norms)
    for i, norm in enumerate(norms):
        view = Line(norm)
        if any(index.all(view, protect=False) for index in indexes):
            assert i in whole, lines[i]
        if len(norm) <= 200 and _SEGMENT_SPLIT.search(norm):
            assert i in segmented, lines[i]
    assert finder.lines([]) == (set(), set())


def test_row_pieces_split_as_the_separator_regex():
    """Rows of parts are split with str.split when they hold one kind of
    separator: the pieces are the regex's, up to the spaces around them."""
    import random

    from cleaner.rules.engine import _SEGMENT_SPLIT, row_pieces
    from cleaner.rules.text import normalize

    rng = random.Random(5)
    alphabet = ["a", "Đ", "ộ", "1", " ", "|", "•", "·", "-", "–", " - ", " – ", " | ", ":", "»"]
    for _ in range(20_000):
        norm = normalize("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))))
        expected = [piece.strip() for piece in _SEGMENT_SPLIT.split(norm)]
        assert [piece.strip() for piece in row_pieces(norm)] == expected, norm


def test_user_regex_rules_make_every_line_a_candidate(tmp_path):
    from cleaner.rules.scan import finder_for
    path = tmp_path / "mine.toml"
    path.write_text('[[rule]]\nid = "mine.x"\ncategory = "ads"\nmatch = "regex"\nregex = ["qu[a-z]+ck"]\n',
                    encoding="utf-8")
    rules = load_rules((str(path),))
    assert finder_for(rules).lines(["a", "b"]) is None
    assert removed_lines("Body\nThe quick fox\n", rules) == ["The quick fox"]


def test_ignorecase_extra_letters_are_those_of_re():
    import re
    from cleaner.rules.text import IGNORECASE_EXTRA, ascii_folded
    extra = tuple(chr(c) for c in range(0x80, 0x10000) if not 0xD800 <= c <= 0xDFFF
                  and re.match("[a-z]", chr(c), re.IGNORECASE) and not chr(c).lower().isascii())
    assert extra == IGNORECASE_EXTRA
    # The folded text rules' words are looked for in holds their letter.
    from cleaner.rules.text import _ascii_folded_by_nfd
    for fold in (ascii_folded, _ascii_folded_by_nfd):
        assert all(re.fullmatch(chr(b), c, re.IGNORECASE) for c in extra for b in fold(c))


def test_both_folded_forms_hold_every_word_the_stripped_text_does():
    import random
    from cleaner.rules.text import _ascii_folded_by_nfd, ascii_folded, strip_marks
    rng = random.Random(0)
    words = ["binh luan", "y kien", "all rights reserved", "sao chep", "ghi ro nguon"]
    for _ in range(2000):
        noise = "".join(chr(rng.choice([rng.randint(32, 126), rng.randint(0xC0, 0x24F), rng.randint(0x1EA0, 0x1EF9),
                                         0x300, 0x301, 0x131, 0x17F, 0x130, 0x212A, 0x4E2D, 10]))
                        for _ in range(rng.randint(0, 30)))
        text = noise + " " + rng.choice(["Bình luận", "Ý KIẾN", "AlL RıGHTS ReSERVED", "ſao chép", "x"]) + noise[:5]
        stripped = strip_marks(text).lower().replace("ı", "i").replace("ſ", "s")
        for fold in (ascii_folded, _ascii_folded_by_nfd):
            folded = fold(text)
            assert folded.count(b"\n") == text.count("\n")
            for word in words:
                if word in stripped:
                    assert word.encode() in folded, (text, word, fold)


def test_prepare_compiles_what_workers_inherit():
    from cleaner.rules.engine import prepare
    from cleaner.rules.scan import finder_for
    rules = load_rules(("generic", "vi-news"))
    prepare(rules)
    assert finder_for(rules).lines(["Bình luận", "Một câu văn bình thường."]) is not None


def test_clues_never_hide_a_line_a_rule_matches():
    """Lines built from the packs' examples with the characters that make
    first words, cases and diacritics tricky (digits, marks, "ı", "≯",
    decoration): the index's candidates and the whole-text scans keep every
    rule that matches, as testing every rule would."""
    import random
    from hypothesis import given, settings, strategies as st
    from cleaner.rules.index import index_for
    from cleaner.rules.model import LINE_KINDS, Line
    from cleaner.rules.scan import finder_for
    from cleaner.rules.text import normalize_lines

    rules = load_rules(("generic", "vi-news", "en-news"))
    index = index_for(tuple(r for r in rules if r.match in LINE_KINDS))
    finder = finder_for(rules)
    finder.prepare()
    examples = [text for rule in rules for text in rule.positive + rule.patterns[:3]]
    odd = ["12", "7 ", "ı", "İ", "ſ", "\u0301", "≯", "(", ")", "•", " | ", "©", "#", "@", "ß", "Đ", "_", "  "]

    @settings(max_examples=400, deadline=None)
    @given(st.randoms(use_true_random=False))
    def check(rng: random.Random):
        lines = []
        for _ in range(20):
            text = rng.choice(examples)
            for _ in range(rng.randint(0, 3)):
                cut = rng.randint(0, len(text))
                text = text[:cut] + rng.choice(odd) + text[cut:]
            if rng.random() < 0.3:  # near the rules' max-length (60 to 500)
                filler = "chữ " * rng.randint(5, 130)
                text = text + " " + filler if rng.random() < 0.7 else filler + text
            lines.append(rng.choice([text, text.upper(), text.title(), text.lower()]))
        norms = normalize_lines(lines)
        whole, _segmented = finder.lines(norms)
        for i, norm in enumerate(norms):
            view = Line(norm)
            expected = [r for r in index.rules if r.test(view, protect=False)]
            assert index.all(view, False) == expected, norm
            if expected:
                assert i in whole, norm

    check()


def test_clue_reader_keys():
    import re
    from cleaner.rules.clues import first_words, label_keys, line_key, pattern_keys
    keys = pattern_keys(r"^\d+ phut (doc|de doc)$", re.IGNORECASE)
    assert keys.exact == {"phut doc", "phut de"}
    assert line_key(first_words("12 phút đọc")) == "phut doc"
    assert line_key(first_words("7 tháng 5: quân")) == "than quan"
    assert line_key(first_words("12k lượt xem")) == "0k luot"
    # A pattern that may go on within the word: a prefix.
    assert pattern_keys("^(©|copyright)", 0).prefixes == {"copy "}
    assert pattern_keys("^(©|copyright)", 0).first_chars == {"©"}
    assert pattern_keys("^ve", 0).prefixes == {"ve"}
    assert pattern_keys("^[^.]+x", 0) is None  # any first word
    assert label_keys("bình luận").exact == {"binh luan"}
    assert label_keys("»").exact == {" "}
    # A match that starts with a number and no word: lines starting with a digit.
    assert pattern_keys(r"^\d+\)", 0).first_chars == {"0"}
    from cleaner.rules.scan import _EdgeScan
    for marks in (False, True):
        found = set()
        _EdgeScan({"0"}, first=True).find("\nmục\n7) mục\n", found, marks)
        assert found == {1}
        found = set()
        _EdgeScan({"#", "≯"}, first=True).find("\n#a\nb\n≯c\n", found, marks)
        assert found == {0, 2}


def test_builtin_pack_patterns_are_safe_and_compile():
    """The built-in packs' patterns are compiled when first used, without
    the load-time safety check user rule files get: here they get both."""
    from cleaner.rules.model import check_regex_safety
    from cleaner.rules.text import strip_marks
    for rule in load_rules(("generic", "vi-news", "en-news")):
        if rule.match == "regex":
            for pattern in rule.patterns:
                check_regex_safety(strip_marks(pattern) if rule.fold else pattern)
        for variant in rule._compiled[0].values():
            if hasattr(variant, "_compiled"):
                variant._compiled()  # compiles, or raises re.error


def test_masthead_only_around_the_body():
    """A newspaper's name is masthead after the article, an item of a list
    inside it."""
    name = "Báo điện tử Vietnamnet"
    assert removed_lines(BODY + name + "\n") == [name]
    assert name not in removed_lines(BODY + name + "\n" + BODY)


def test_shipped_rule_keys_are_current(tmp_path):
    """The built-in packs' keys ship precomputed: the table must be what
    reading the patterns gives today, written by today's reader."""
    from cleaner.rules import clues

    shipped = clues.read_keys_table()
    rewrite = 'rewrite it: python -c "import cleaner.rules.clues as c; c.write_keys_table()"'
    assert shipped.get("reader") == clues.reader_fingerprint(), rewrite
    fresh = tmp_path / "keys.json.gz"
    clues.write_keys_table(fresh)
    fresh_table = clues.read_keys_table(fresh)
    if shipped.get("unicode") == fresh_table["unicode"]:  # another Unicode version: the table is not used
        assert fresh_table == shipped, rewrite
        assert clues._shipped_keys(), "the table is in use"
    else:
        assert set(fresh_table["patterns"]) == set(shipped["patterns"]), rewrite


def test_rule_keys_from_the_table_match_the_patterns():
    """Every built-in rule's keys are the same read live as taken from the table."""
    from cleaner.rules import clues

    rules = [rule for name in builtin_packs() for rule in load_rules((name,))]
    with_table = [clues.rule_clues(rule) for rule in rules]
    clues.pattern_keys.cache_clear()
    clues.pattern_clue.cache_clear()
    try:
        clues._READ = []  # the table is bypassed while patterns are recorded
        read = [clues.rule_clues(rule) for rule in rules]
    finally:
        clues._READ = None
        clues.pattern_keys.cache_clear()
        clues.pattern_clue.cache_clear()
    assert read == with_table


def test_tail_pattern_keeps_only_what_a_line_must_end_with():
    from cleaner.rules.clues import tail_pattern

    dated = r"^[^.!?]{8,200}[(\[]\s?(\d{1,2}[:h]\d{2}\s?)?\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s?[)\]]$"
    tail = tail_pattern(dated, fold=True)
    assert tail is not None and re.search(f"(?:{tail})$", "Hội nghị năm 2022 (12/01/2023)")
    assert tail_pattern(r"^tin (\w+)$") is None  # a group ends it: nothing left
    assert tail_pattern(r"^xem them$", fold=True) is None  # letters read without diacritics
    assert re.fullmatch(tail_pattern(r"^xem them$"), "xem them")  # case-sensitive: kept


def test_dated_headlines_are_candidates_even_with_a_combining_mark():
    """A folding rule reads a line without its combining marks: a mark
    inside the date must not hide the line from the scans."""
    from cleaner.rules.scan import finder_for
    from cleaner.rules.text import normalize_lines

    rules = load_rules(("vi-news",))
    finder = finder_for(rules)
    finder.prepare()
    lines = ["Hội nghị tổng kết công tác Đảng năm 2022 (12/01/2023)",
             "Hội nghị tổng kết công tác Đảng năm 2022 (12/01\u0301/2023)",
             "Một dòng bình thường kết thúc bằng ngoặc (xem trên)"]
    whole, _segmented = finder.lines(normalize_lines(lines))
    assert {0, 1} <= whole


def test_copyright_rules_keep_sentences_about_copyright_inside_the_body():
    body = ("Hội nghị diễn ra trong hai ngày với sự tham gia của hơn 300 đại biểu đến từ các tỉnh thành trên cả nước, "
            "cùng nhiều chuyên gia quốc tế.")
    text = "\n".join([
        body,
        "Bản quyền tác giả là quyền của tổ chức, cá nhân đối với tác phẩm do mình sáng tạo ra hoặc sở hữu.",
        body,
        "© 2023 Báo Điện tử Dân trí. Ghi rõ nguồn khi phát hành lại.",
    ]) + "\n"
    out = cleaner.clean_text(text).text
    assert "Bản quyền tác giả là quyền" in out
    assert "© 2023" not in out


def test_rule_hash_is_cached_but_not_pickled():
    """Rules key per-process caches: the hash is computed once, and a
    pickled rule (another process, other string hashes) computes its own."""
    import pickle

    rule = load_rules(("default",), "vi")[0]
    assert hash(rule) == hash(rule) and "_hash" in rule.__dict__
    copy = pickle.loads(pickle.dumps(rule))
    assert copy == rule and "_hash" not in copy.__dict__ and hash(copy) == hash(rule)


def test_a_footer_exposed_by_a_tail_marker_goes_in_the_same_run():
    """A tail marker takes the paragraphs after it; the footer line above
    it is then past the body's end and goes too, in the same run: cleaning
    the output again removes nothing more (the report numbers lines as in
    the input)."""
    first = "Ông Nguyễn Văn A cho biết, huyện đã hỗ trợ hơn một nghìn hộ nghèo trong năm qua."
    body = "Hôm nay, người dân thành phố đã đổ ra đường để đón mừng năm mới, không khí rất vui tươi."
    last = "Theo ghi nhận của phóng viên, các tuyến phố trung tâm đều đông nghịt người."
    text = "\n".join([first, body, body, first, first, body, last, "©2023 Báo Mẫu", "Các tin cùng chuyên mục",
                      "- Giá vàng hôm nay tăng mạnh", body, "Tin liên quan:"]) + "\n"
    doc = cleaner.clean_text(text)
    assert doc.text.endswith(last + "\n") and not doc.warnings
    assert cleaner.clean_text(doc.text).text == doc.text
    footer = [c for c in doc.changes if c.stage == "chrome" and c.before == "©2023 Báo Mẫu"]
    assert footer and footer[0].line == 8


def test_each_round_takes_the_rules_for_the_text_left():
    """Links and counters can hide a page's language; once a round removed
    them, the next one reads the text left with the rules for it, as a
    second run would."""
    generic = tuple(load_rules(("generic",), None))
    text = "https://example.com/tin-tuc/a-b-c?id=1\n" + BODY + "Tin liên quan:\n"
    assert removed_lines(text, generic) == ["https://example.com/tin-tuc/a-b-c?id=1"]
    plan = plan_removal(text, generic, lambda left: VI)
    assert [plan.lines[i].strip() for i in sorted(plan.removed)] == [
        "https://example.com/tin-tuc/a-b-c?id=1", "Tin liên quan:"]


def test_a_site_section_turns_rules_on_under_rules_none(tmp_path):
    """rules = ["none"] with a [sites."…"] section: rules for that site only."""
    (tmp_path / "cleaner.toml").write_text('rules = ["none"]\n[sites."deep.vn"]\nrules = ["default"]\n',
                                           encoding="utf-8")
    page = "\n".join([BODY.strip(), "Lượt xem: 1447"]) + "\n"
    for folder in ("deep.vn", "other"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text(page, encoding="utf-8")
    config = load_config(None, start=tmp_path)
    site = cleaner.clean_text(page, config, path=str(tmp_path / "deep.vn" / "a.txt"))
    other = cleaner.clean_text(page, config, path=str(tmp_path / "other" / "a.txt"))
    assert "Lượt xem" not in site.text and "Lượt xem" in other.text
