from __future__ import annotations

import pytest

from cleaner import vietnamese
from conftest import shared_path


def test_every_lexicon_syllable_parses():
    syllables = shared_path("lexicon", "syllables.txt").read_text(encoding="utf-8").split()
    assert [s for s in syllables if not vietnamese.is_syllable(s)] == []


@pytest.mark.parametrize("word", ["Nguyễn", "đặng", "NGƯỜI", "quốc", "giữa", "khuỷu", "gì", "hoà", "hòa"])
def test_syllables(word):
    assert vietnamese.is_syllable(word)


@pytest.mark.parametrize("word", ["Ä", "Quáº", "ngêi", "hello", "strength", "tiếń"])
def test_not_syllables(word):
    assert not vietnamese.is_syllable(word)


@pytest.mark.parametrize("old,new", [("hòa", "hoà"), ("thủy", "thuỷ"), ("khỏe", "khoẻ"), ("HÒA", "HOÀ")])
def test_tone_style_round_trip(old, new):
    assert vietnamese.set_tone_style(old, "new") == new
    assert vietnamese.set_tone_style(new, "old") == old


@pytest.mark.parametrize("word", ["hoàn", "quá", "giữa", "người", "khuya", "toán", "Huế"])
def test_tone_style_leaves_unambiguous_words(word):
    assert vietnamese.set_tone_style(word, "old") == word
    assert vietnamese.set_tone_style(word, "new") == word
