"""`cleaner learn`: line keys, counting, proposals, the rule file, and the
whole loop learn → clean on a synthetic multi-site corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import synthetic_sites
from cleaner.cli import app
from cleaner.config import DEFAULT
from cleaner.learn import SiteRule, Thresholds, analyse, iter_files, iter_jsonl, propose, to_toml
from cleaner.learn.count import SiteTally, Tally, count_document
from cleaner.learn.lines import key_regex, line_key, prefix_key, readable
from cleaner.learn.sources import Item, site_of_value
from cleaner.rules.loader import load_file

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus() -> list[list[synthetic_sites.Page]]:
    return synthetic_sites.generate(sites=5, pages=16, seed=3)


def _items(corpus, pages=slice(None)):
    return [Item(page.site, page.site, text=page.text) for site in corpus for page in site[pages]]


# --- line keys -------------------------------------------------------------

@pytest.mark.parametrize("a, b", [
    ("Thứ hai, 21/08/2020 10:19 | Lượt xem: 1447", "Thứ Ba, 2/9/2021 08:05 | Lượt xem: 12"),
    ("Tổng truy cập: 6.577.284", "TỔNG TRUY CẬP:   12"),
    ("04:12 PM 17/03/2022 |   In bài", "11:02 AM 01/12/2019 | In bài"),
    ("Cập nhật lúc 10h30 ngày 2020-08-21", "Cập nhật lúc 7h05 ngày 2021-01-02"),
    ("© 2010 - 2024 Báo Sông Lam", "© 2010 - 2025 Báo Sông Lam"),
])
def test_line_key_hides_what_changes_per_page(a, b):
    assert line_key(a) == line_key(b)


def test_line_key_keeps_words_apart():
    assert line_key("Tin khác") != line_key("Tin liên quan")
    assert line_key("   ") == ""
    assert readable(line_key("Lượt xem: 1.447")) == "lượt xem: <num>"


@pytest.mark.parametrize("line", [
    "Thứ hai, 21/08/2020 10:19 | Lượt xem: 1447",
    "  Đường dây nóng: 0912 345 678 - Email: toasoan@bao.vn  ",
    "Cập nhật 07:05 ngày 02/01/2021 (GMT+7)",
    "Giá: 1.250.000 đ [Xem]*",
])
def test_key_regex_matches_its_own_lines(line):
    assert re.search(key_regex(line_key(line)), line.strip(), re.IGNORECASE)
    assert not re.search(key_regex(line_key(line)), "Khác hẳn: " + line, re.IGNORECASE)


def test_prefix_key_is_a_short_label_over_more_text():
    assert readable(prefix_key(line_key("Từ khóa: bão, lũ lụt"))) == "từ khóa: …"
    assert readable(prefix_key(line_key("Trang chủ » Thời sự"))) == "trang chủ » …"
    assert prefix_key(line_key("Từ khóa:")) == ""  # nothing after the label
    assert prefix_key(line_key("Một câu rất dài có nhiều chữ trước dấu hai chấm: nội dung")) == ""
    regex = key_regex(prefix_key(line_key("Tags: a, b")))
    assert re.search(regex, "Tags: kinh tế", re.IGNORECASE) and not re.search(regex, "Tags:", re.IGNORECASE)


# --- sites -----------------------------------------------------------------

def test_site_of_a_record_is_its_host():
    assert site_of_value("https://www.Bao.vn/a/b.html") == "bao.vn"
    assert site_of_value("tin.bao.vn") == "tin.bao.vn"
    assert site_of_value(None) == ""


def test_sites_from_folders_and_from_a_pattern(tmp_path):
    for name in ("a/x/1.txt", "a/2.txt", "b/3.txt", "flat/siteX_4.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
    found = {Path(i.path).name: i.site for i in iter_files([str(tmp_path)], SiteRule(), ("*.txt",), (), [])}
    assert found == {"1.txt": "a", "2.txt": "a", "3.txt": "b", "siteX_4.txt": "flat"}
    rule = SiteRule(pattern=re.compile(r"(site\w)_\d+"))
    found = [i.site for i in iter_files([str(tmp_path / "flat")], rule, ("*.txt",), (), [])]
    assert found == ["siteX"]


# --- counting --------------------------------------------------------------

def test_each_document_counts_once_and_positions_are_kept(corpus):
    site = SiteTally()
    for page in corpus[0][:6]:
        count_document(page.text + "\n" + page.text, site)  # every line twice
    assert site.docs == 6
    assert max(stat.docs for stat in site.lines.values()) == 6


def _word(n: int) -> str:  # a distinct word per number (numbers alone are placeholders)
    return "".join("abcdefghijklmnopqrstuvwxyz"[int(d)] for d in str(n))


def test_tally_memory_is_bounded_and_keeps_chrome():
    tally = Tally(max_keys=1000)
    for n in range(600):
        part = SiteTally()
        count_document("Báo Thử Nghiệm\n" + "\n".join(f"Dòng riêng {_word(n * 10 + k)}" for k in range(5)), part)
        tally.add({"site": part})
    assert tally.keys <= 1000 and tally.pruned > 0
    keys = {stat.key for stat in tally.sites["site"].lines.values() if stat.docs > 100}
    assert "báo thử nghiệm" in keys


# --- proposals -------------------------------------------------------------

def _labelled(corpus):
    chrome, body = set(), set()
    for site in corpus:
        for page in site:
            for line, is_chrome in page.lines:
                if line.strip():
                    (chrome if is_chrome else body).add(line.strip())
    return chrome, body


def test_proposals_are_chrome_with_figures_and_examples(corpus):
    proposals = propose(analyse(_items(corpus), DEFAULT))
    chrome, body = _labelled(corpus)
    assert {p.site for p in proposals} == {site[0].site for site in corpus}
    for proposal in proposals:
        assert proposal.docs >= 5 and proposal.share >= 0.3
        assert 1 <= len(proposal.examples) <= 3
        if proposal.category != "source":  # bylines are learned as "source", off by default
            assert all(example in chrome and example not in body for example in proposal.examples)
    markers = [p for p in proposals if p.kind == "tail-marker"]
    assert len(markers) >= 4  # the related-news headings, over headlines that vary
    assert all(p.position == "tail" and p.category == "related-list" for p in markers)


def test_thresholds_are_respected(corpus):
    tally = analyse(_items(corpus, slice(0, 6)), DEFAULT)
    assert not propose(tally, Thresholds(min_docs=7))
    strict = propose(tally, Thresholds(min_share=1.0))
    assert strict and all(p.docs == 6 for p in strict)


def test_prose_needs_a_higher_share():
    slogan = ("Báo Thử Nghiệm là cơ quan ngôn luận của tỉnh, tiếng nói của đảng bộ, chính quyền "
              "và nhân dân trong tỉnh, được cấp phép hoạt động theo quy định.")
    pages = [f"Tiêu đề bài {_word(n)}\n{'Nội dung riêng của bài viết %s được viết ra với nhiều câu chữ khác nhau. ' % _word(n) * 3}"
             f"\n{slogan if n < 5 else 'Hết'}\nBáo Thử Nghiệm" for n in range(10)]
    tally = analyse([Item("s", str(n), text=t) for n, t in enumerate(pages)], DEFAULT)
    keys = {p.key for p in propose(tally)}
    assert "báo thử nghiệm" in keys
    assert not any("cơ quan ngôn luận" in k for k in keys)  # in 50% < 60% of the pages
    assert not any("nội dung riêng" in k for k in keys)
    keys = {p.key for p in propose(tally, Thresholds(prose_share=0.5))}
    assert any("cơ quan ngôn luận" in k for k in keys)


def test_workers_do_not_change_the_result(corpus):
    items = _items(corpus) * 2  # 160 documents: several batches
    one = to_toml(propose(analyse(items, DEFAULT, workers=1)))
    two = to_toml(propose(analyse(items, DEFAULT, workers=2)))
    assert one == two


# --- the rule file ---------------------------------------------------------

def test_rule_file_loads_and_its_examples_pass(corpus, tmp_path):
    path = tmp_path / "learned.toml"
    path.write_text(to_toml(propose(analyse(_items(corpus), DEFAULT))), encoding="utf-8")
    rules = load_file(path)
    assert rules and all(rule.sites for rule in rules)
    for rule in rules:
        assert rule.positive and all(rule.matches(example) for example in rule.positive)
    assert {r.match for r in rules} >= {"regex", "tail-marker"}


def _folders(corpus, root: Path, pages: slice) -> None:
    synthetic_sites.write_folders([page for site in corpus for page in site[pages]], root)


def _score(corpus, pages: slice, rules: Path, root: Path) -> synthetic_sites.Score:
    config = DEFAULT.replace(rules=(str(rules),), force=True)
    total = synthetic_sites.Score()
    for site in corpus:
        for n, page in enumerate(site[pages]):
            total.add(synthetic_sites.score_page(page, config, str(root / page.site / f"held{n}.txt")))
    return total


def test_learn_then_clean_removes_held_out_chrome(corpus, tmp_path):
    root = tmp_path / "corpus"
    _folders(corpus, root, slice(0, 8))
    rules = tmp_path / "learned.toml"
    result = runner.invoke(app, ["learn", str(root), "-o", str(rules), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "learned" in result.output
    score = _score(corpus, slice(8, None), rules, root)
    # A subheading right under an in-article "related" box may go with it.
    assert score.f1 >= 0.95 and score.precision >= 0.99 and score.paragraphs_lost == 0


def test_clean_command_uses_learned_rules(corpus, tmp_path):
    root = tmp_path / "corpus"
    _folders(corpus, root, slice(0, 8))
    rules = tmp_path / "learned.toml"
    assert runner.invoke(app, ["learn", str(root), "-o", str(rules)]).exit_code == 0
    page = corpus[1][-1]  # held out
    held_out = root / page.site / "new.txt"
    held_out.write_text(page.text, encoding="utf-8")
    result = runner.invoke(app, ["clean", "--rules", str(rules), "--force", str(held_out)])
    assert result.exit_code == 0, result.output
    kept = [line for line in result.stdout.splitlines() if line.strip()]
    body = [" ".join(line.split()) for line, chrome in page.lines if line.strip() and not chrome]
    chrome = [" ".join(line.split()) for line, chrome in page.lines if line.strip() and chrome]
    # Other stages may repair a body line; count lines rather than compare them.
    assert len(kept) >= len(body) and sum(line in body for line in kept) >= len(body) - 1
    assert sum(line in kept for line in chrome) <= len(chrome) // 10


def test_jsonl_sites_from_urls(corpus, tmp_path):
    path = tmp_path / "pages.jsonl"
    synthetic_sites.write_jsonl([page for site in corpus for page in site], path)
    items = list(iter_jsonl([str(path)], SiteRule(field="url"), (), []))
    assert {i.site for i in items} == {site[0].domain for site in corpus}
    out = tmp_path / "learned.toml"
    result = runner.invoke(app, ["learn", str(path), "--site-field", "url", "-o", str(out)])
    assert result.exit_code == 0, result.output
    sites = {s for rule in load_file(out) for s in rule.sites}
    assert sites == {site[0].domain for site in corpus}


def test_site_pattern_scopes_rules_by_glob(corpus, tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for site in corpus[:2]:
        for n, page in enumerate(site[:8]):
            (flat / f"{page.domain}_{n}.txt").write_text(page.text, encoding="utf-8")
    out = tmp_path / "learned.toml"
    result = runner.invoke(app, ["learn", str(flat), "--site-pattern", r"([\w.]+)_\d+\.txt$", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rules = load_file(out)
    assert {s for r in rules for s in r.sites} == {f"*{site[0].domain}*" for site in corpus[:2]}
    assert all(r.applies_to(str(flat / f"{r.sites[0].strip('*')}_99.txt")) for r in rules)


def test_config_file_sets_the_thresholds(corpus, tmp_path):
    root = tmp_path / "corpus"
    _folders(corpus, root, slice(0, 6))
    (tmp_path / "cleaner.toml").write_text("learn-min-docs = 7\n")
    result = runner.invoke(app, ["learn", str(root)])
    assert result.exit_code == 0 and "[[rule]]" not in result.stdout
    result = runner.invoke(app, ["learn", str(root), "--min-docs", "6"])
    assert result.exit_code == 0 and "[[rule]]" in result.stdout


@pytest.mark.parametrize("args", [
    ["learn", "does-not-exist"],
    ["learn", ".", "--site-pattern", "("],
    ["learn", ".", "--min-share", "2"],
    ["learn", "-"],
    ["learn", ".", "--color", "pink"],
])
def test_usage_errors_exit_2(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code == 2


def test_unscoped_rules_apply_everywhere_once(corpus, tmp_path):
    path = tmp_path / "pages.jsonl"
    pages = [page for site in corpus for page in site]
    synthetic_sites.write_jsonl(pages, path)
    out = tmp_path / "learned.toml"
    result = runner.invoke(app, ["learn", str(path), "--site-field", "url", "--unscoped", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rules = load_file(out)
    assert rules and not any(rule.sites for rule in rules)
    assert len({(r.match, r.patterns) for r in rules}) == len(rules)


def test_pruning_does_not_change_the_proposals(corpus):
    import random

    pages = [page for site in corpus for page in site]
    random.Random(0).shuffle(pages)  # sites interleaved, as in a crawl dump
    found = []
    for max_keys in (300, 100_000):
        tally = Tally(max_keys)
        for start in range(0, len(pages), 8):
            batch: dict[str, SiteTally] = {}
            for page in pages[start:start + 8]:
                count_document(page.text, batch.setdefault(page.site, SiteTally()))
            tally.add(batch)
        found.append({(p.site, p.kind, p.regex): p.share for p in propose(tally)})
        assert tally.keys <= max_keys
    pruned, full = found
    # Counts may be lower by one or two: only lines near the threshold can go.
    assert set(pruned) <= set(full)
    assert all(key in pruned for key, share in full.items() if share >= 0.5)


def test_rules_test_shows_what_learned_rules_remove(corpus, tmp_path):
    root = tmp_path / "corpus"
    _folders(corpus, root, slice(0, 8))
    rules = tmp_path / "learned.toml"
    assert runner.invoke(app, ["learn", str(root), "-o", str(rules)]).exit_code == 0
    page = next((root / corpus[0][0].site).iterdir())
    result = runner.invoke(app, ["rules", "test", "--rules", str(rules), "--force", str(page)])
    assert result.exit_code == 0, result.output
    assert "learned." in result.stdout and "0 failing" in result.output


def test_related_box_inside_the_body_is_a_document_wide_marker(tmp_path):
    import random

    rng = random.Random(5)
    pages = []
    for n in range(8):
        body = [synthetic_sites.paragraph(rng) for _ in range(6)]
        box = ["Bài cùng chuyên mục", synthetic_sites.headline(rng), synthetic_sites.headline(rng)]
        pages.append("\n".join(["Báo Thử Nghiệm", synthetic_sites.headline(rng), *body[:3], *box,
                                *body[3:], "Liên hệ quảng cáo: 0900 000 000"]))
    proposals = propose(analyse([Item("s", str(n), text=t) for n, t in enumerate(pages)], DEFAULT))
    kinds = {p.key: p.kind for p in proposals}
    assert kinds["bài cùng chuyên mục"] == "list-marker"
    assert kinds["liên hệ quảng cáo: <num> <num> <num>"] == "line"
    path = tmp_path / "learned.toml"
    path.write_text(to_toml(proposals), encoding="utf-8")
    marker = next(r for r in load_file(path) if r.match == "tail-marker")
    assert marker.scope == "document"
