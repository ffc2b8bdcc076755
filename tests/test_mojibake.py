"""The mojibake repair stage: ftfy, guarded; ftfy's own cases as an
external regression suite."""

from __future__ import annotations

import json

import ftfy
import pytest
from hypothesis import given, settings, strategies as st

import cleaner
from cleaner.fastpath import ftfy_may_change
from cleaner.stages import mojibake
from conftest import SHARED

CASE_FILES = ["in-the-wild.json", "synthetic.json", "negative.json", "language-names.json", "known-failures.json"]


def _cases():
    folder = SHARED / "external" / "ftfy-test-cases"
    if not folder.exists():
        return []
    cases = []
    for name in CASE_FILES:
        for case in json.loads((folder / name).read_text(encoding="utf-8")):
            cases.append(pytest.param(name, case, id=f"{name}:{case['label'][:40]}"))
    return cases


def _straight(text: str) -> str:
    return ftfy.fixes.uncurl_quotes(text)


def _reference(text: str) -> str:
    """ftfy itself with the project's settings, ungarded."""
    return ftfy.fix_text(text, mojibake.ftfy_config())


@pytest.mark.parametrize("name,case", _cases())
def test_ftfy_case(name, case):
    original = case["original"]
    ours = mojibake.fix_mojibake(original)
    expected = case.get("fixed-encoding", case["fixed"])
    if name == "negative.json" and _straight(expected) == _straight(original):
        assert ours == original
        return
    if _straight(_reference(original)) == _straight(expected):
        # Wherever ftfy (with our settings) passes, we pass too.
        assert _straight(ours) == _straight(expected)


@pytest.mark.parametrize("text", [
    "“NHÃ” NHẶN",
    "Ã BẢO VỆ",
    "Tiếng Việt có dấu: ăn, ở, đi, về, ước mơ, người ấy",
    "Café déjà vu, naïve façade, “quotes” kept",
])
def test_clean_text_left_alone(text):
    assert mojibake.fix_mojibake(text) == text


@pytest.mark.parametrize("broken,fixed", [
    ("Quáº­n HÃ\xa0 Ä\x90Ã´ng: NÃ¢ng cao", "Quận Hà Đông: Nâng cao"),
    ("Ä\x90áº£ng bá»™ huyá»‡n", "Đảng bộ huyện"),
    ("cafÃ© dÃ©jÃ  vu", "café déjà vu"),
    ("â€œquotedâ€\x9d", "“quoted”"),
])
def test_mojibake_fixed(broken, fixed):
    assert mojibake.fix_mojibake(broken) == fixed


def test_curly_quotes_kept_through_pipeline():
    text = "Anh ấy nói: “Xin chào” và ‘tạm biệt’.\n"
    assert cleaner.clean_text(text).text == text


def test_change_recorded():
    doc = cleaner.clean_text("Quáº­n HÃ\xa0 Ä\x90Ã´ng\n")
    [change] = [c for c in doc.changes if c.kind == "mojibake"]
    assert change.stage == "repair" and change.line == 1 and change.after == "Quận Hà Đông"


_LATIN = st.characters(min_codepoint=0x20, max_codepoint=0x2122, blacklist_categories=("Cs",))


@settings(max_examples=400, deadline=None)
@given(st.text(_LATIN, max_size=40))
def test_fast_path_is_exact(text):
    """Skipping ftfy on lines without mojibake characters changes nothing."""
    line = text.replace("\n", " ")
    if not ftfy_may_change(line):
        assert _reference(line) == line


def test_fast_path_is_exact_on_corpus_lines():
    import itertools
    import lzma

    from conftest import shared_path

    with lzma.open(shared_path("corpus", "viwiki.txt.xz"), "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, 0, 40000, 20):
            line = line.rstrip("\n")
            if not ftfy_may_change(line):
                assert _reference(line) == line
            else:
                assert mojibake.fix_line(line) == line  # clean Vietnamese stays clean


def test_ftfy_answers_are_remembered_for_short_lines(monkeypatch):
    """The settle pass and repeated boilerplate ask about the same line
    again: ftfy judges it once."""
    calls = []
    real = ftfy.fix_text

    def counting(text, config=None):
        calls.append(text)
        return real(text, config)

    monkeypatch.setattr(ftfy, "fix_text", counting)
    monkeypatch.setattr(mojibake, "_REMEMBERED", {})
    line = "Giá cà phê tÄƒng mạnh hÃ´m nay"
    assert mojibake.fix_line(line) == mojibake.fix_line(line) != line
    assert calls == [line]
    long_line = line + " x" * mojibake.REMEMBER_UP_TO  # too long to keep: judged each time
    mojibake.fix_line(long_line)
    mojibake.fix_line(long_line)
    assert len(calls) == 3
