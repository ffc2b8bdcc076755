"""Golden samples: the seed articles and their hand-checked outputs."""

from __future__ import annotations

import unicodedata

import pytest

import cleaner
from conftest import SAMPLES

INPUTS = sorted((SAMPLES / "input").glob("*.txt"))


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_golden(path):
    expected = (SAMPLES / "expected" / path.name).read_bytes()
    result = cleaner.clean_bytes(path.read_bytes(), path=str(path))
    assert result.output_bytes.decode("utf-8") == expected.decode("utf-8")


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_idempotent(path):
    once = cleaner.clean_bytes(path.read_bytes()).output_bytes
    twice = cleaner.clean_bytes(once)
    assert twice.output_bytes == once
    assert not twice.changed


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_output_properties(path):
    source = path.read_text(encoding="utf-8")
    text = cleaner.clean_bytes(path.read_bytes()).text
    assert unicodedata.is_normalized("NFC", text)
    assert "\u00d0" not in text and "\u00a0" not in text
    assert all(line == "" or line.strip() for line in text.split("\n"))
    # Curly quotes are correct text and stay.
    for quote in "“”‘’":
        assert text.count(quote) == source.count(quote)


def test_every_body_sentence_kept():
    """Body paragraphs survive byte for byte apart from the normalizations."""
    for path in INPUTS:
        text = cleaner.clean_bytes(path.read_bytes()).text
        for line in path.read_text(encoding="utf-8").split("\n"):
            if len(line) > 120:  # body paragraphs, not chrome
                normalized = " ".join(line.replace("\u00a0", " ").replace("Ð", "Đ").split())
                assert normalized in text


def test_clean_corpus_text_comes_out_identical():
    """Clean Vietnamese (Wikipedia paragraphs, as documents of 40 lines)
    passes through every stage unchanged: no stage may "fix" correct text."""
    import itertools
    import lzma

    from conftest import shared_path

    with lzma.open(shared_path("corpus", "viwiki.txt.xz"), "rt", encoding="utf-8") as handle:
        lines = list(itertools.islice(handle, 20000, 24000))
    for start in range(0, len(lines), 40):
        text = "".join(lines[start:start + 40])
        result = cleaner.clean_text(text)
        assert result.text == text, [c for c in result.changes][:3]
