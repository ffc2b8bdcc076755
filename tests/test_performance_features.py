"""Workers, cache, JSONL corpora, streamed large files and the ftfy fast path."""

from __future__ import annotations

import gzip
import json
import lzma
import random

import ftfy
import pytest
from typer.testing import CliRunner

from cleaner import Config
from cleaner.cache import fingerprint
from cleaner.cli import app
from cleaner.fastpath import ftfy_may_change, lines_ftfy_may_change
from cleaner.files import iter_sources
from cleaner.runner import Mode, clean_sources
from cleaner.stages.mojibake import ftfy_config

runner = CliRunner()
CLEAN = "Quận Hà Đông có nhiều trường học.\n\nĐổi mới “kinh tế” – năm 1986.\n".encode()
DIRTY = "Quận\u00a0Hà Đông  \r\nÐổi mới\r\n".encode()
FAST = Config(rules=("none",))


def _tree(tmp_path, count=6):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(count):
        (folder / f"{i:02d}.txt").write_bytes(DIRTY if i % 2 else CLEAN)
    return folder


def _run(folder, config, mode):
    errors: list = []
    sources = list(iter_sources([str(folder)], config.include, config.exclude, errors))
    return list(clean_sources(sources, config, mode))


def test_workers_give_same_results_in_order(tmp_path, monkeypatch):
    import cleaner.parallel as parallel

    monkeypatch.setattr(parallel, "BATCH_FILES", 2)  # several batches
    folder = _tree(tmp_path)
    one = _run(folder, FAST.replace(workers=1, cache=False), Mode(output_dir=tmp_path / "a"))
    two = _run(folder, FAST.replace(workers=2, cache=False), Mode(output_dir=tmp_path / "b"))
    assert [r.path for r in one] == [r.path for r in two] == sorted(r.path for r in one)
    assert [r.status for r in one] == [r.status for r in two]
    for result in one:
        name = result.source.relative
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_finished_work_is_counted_as_it_finishes(tmp_path, monkeypatch):
    """The progress bar hears of every file once, cleaned by workers or
    here, or known clean from the cache."""
    import cleaner.parallel as parallel
    from cleaner.runner import CleanRun

    monkeypatch.setattr(parallel, "BATCH_FILES", 2)  # several batches
    folder = _tree(tmp_path, count=9)
    errors: list = []
    sources = list(iter_sources([str(folder)], FAST.include, FAST.exclude, errors))
    for workers in (1, 2):
        config = FAST.replace(workers=workers, cache=True, cache_dir=str(tmp_path / f"cache{workers}"))
        for _ in range(2):  # the second run finds the clean files in the cache
            counted: list = []
            run = CleanRun(sources, config, Mode(write=False))
            try:
                results = list(run.results(on_done=counted.extend))
            finally:
                run.close()
            assert sorted(r.path for r in counted) == sorted(r.path for r in results) == sorted(s.path for s in sources)


def test_workers_send_back_records_without_texts_unless_asked(tmp_path, monkeypatch):
    """Writing to a folder, the parent reads a result's records, not its
    text (three copies of it, pickled): workers leave the texts out, unless
    the mode needs them (diffs, reports)."""
    import cleaner.parallel as parallel

    monkeypatch.setattr(parallel, "BATCH_FILES", 2)
    folder = _tree(tmp_path)
    config = FAST.replace(workers=2, cache=False)
    slim = _run(folder, config, Mode(output_dir=tmp_path / "a", texts=False))
    whole = _run(folder, config, Mode(write=False, diff=True))
    assert [r.status for r in slim] == [r.status for r in whole]
    for small, full in zip(slim, whole):
        assert small.document.changes == full.document.changes
        assert small.document.encoding == full.document.encoding
        assert small.document.text == "" and small.document.raw is None
        assert full.document.text and full.document.raw is not None
        assert (tmp_path / "a" / small.source.relative).read_text(encoding="utf-8") == full.document.text


def test_cache_skips_clean_files_and_notices_changes(tmp_path):
    folder = _tree(tmp_path, 2)
    config = FAST.replace(workers=1, cache_dir=str(tmp_path / "cache"))
    first = _run(folder, config, Mode(write=False))
    assert not any(r.cached for r in first)
    second = _run(folder, config, Mode(write=False))
    assert [r.cached for r in second] == [True, False]  # only the clean file
    (folder / "00.txt").write_bytes(DIRTY)  # content changed: cleaned again
    third = _run(folder, config, Mode(write=False))
    assert [(r.cached, r.status) for r in third] == [(False, "changed"), (False, "changed")]
    # another configuration never uses the first one's entries
    other = _run(folder, config.replace(max_blank_lines=2), Mode(write=False))
    assert not any(r.cached for r in other)
    assert fingerprint(config) != fingerprint(config.replace(max_blank_lines=2))
    assert fingerprint(config) == fingerprint(config.replace(workers=3))


def test_editing_a_rule_file_of_a_site_section_invalidates_the_cache(tmp_path):
    """A [sites."…"] section's rule files count as named files too: edited,
    the entries recorded under them are not used."""
    import os

    (tmp_path / "site.vn").mkdir()
    page = tmp_path / "site.vn" / "a.txt"
    page.write_text("Câu một dài của bài viết này, với nhiều chữ hơn để bài không quá ngắn.\n"
                    "Câu hai của bài viết cũng dài như thế, nói về một chuyện khác trong ngày.\n"
                    "Quảng bá: mua ngay\n", encoding="utf-8")
    rules = tmp_path / "s.toml"
    rules.write_text('[[rule]]\nid = "s.x"\ncategory = "ads"\nmatch = "prefix"\nphrases = ["Không khớp"]\n',
                     encoding="utf-8")
    (tmp_path / "cleaner.toml").write_text('rules = ["generic"]\n[sites."site.vn"]\nrules = ["generic", "s.toml"]\n',
                                           encoding="utf-8")
    args = ["clean", "--check", "--force", "--cache-dir", str(tmp_path / "cache"), str(page)]
    assert runner.invoke(app, args).exit_code == 0
    rules.write_text(rules.read_text(encoding="utf-8").replace("Không khớp", "Quảng bá"), encoding="utf-8")
    os.utime(rules, ns=(rules.stat().st_atime_ns, rules.stat().st_mtime_ns + 5_000_000_000))
    assert runner.invoke(app, args).exit_code == 1  # the edited rule removes the line


def test_cached_file_still_written_with_output_dir(tmp_path):
    folder = _tree(tmp_path, 1)
    config = FAST.replace(workers=1, cache_dir=str(tmp_path / "cache"))
    _run(folder, config, Mode(output_dir=tmp_path / "out"))
    (tmp_path / "out" / "00.txt").unlink()
    [result] = _run(folder, config, Mode(output_dir=tmp_path / "out"))
    assert result.cached and (tmp_path / "out" / "00.txt").read_bytes() == CLEAN


def test_cache_clear_and_no_cache_flags(tmp_path):
    folder = _tree(tmp_path, 2)
    cache = tmp_path / "cache"
    args = ["clean", "--check", "--rules", "none", "--cache-dir", str(cache), str(folder)]
    assert runner.invoke(app, args).exit_code == 1
    assert (cache / "cache.sqlite3").exists()
    assert runner.invoke(app, args + ["--no-cache", "--workers", "2"]).exit_code == 1
    (cache / "regex-cpython-311-1-4.json").write_text("{}", encoding="utf-8")  # compiled patterns (regex_cache)
    result = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache)])
    assert result.exit_code == 0, result.output
    assert not (cache / "cache.sqlite3").exists()
    assert not list(cache.glob("regex-*.json"))


def test_cache_survives_broken_database(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "cache.sqlite3").write_bytes(b"not a database")
    folder = _tree(tmp_path, 2)
    results = _run(folder, FAST.replace(workers=1, cache_dir=str(tmp_path / "cache")), Mode(write=False))
    assert [r.status for r in results] == ["unchanged", "changed"]


@pytest.mark.parametrize("suffix, opener", [("", open), (".gz", gzip.open), (".xz", lzma.open)])
def test_jsonl_cleans_text_field_keeps_others(tmp_path, suffix, opener):
    records = [
        {"id": 1, "text": "Quận\u00a0Hà Đông  ", "meta": {"url": "x"}},
        {"id": 2, "text": "Đã sạch."},
        {"id": 3, "body": "no text field"},
    ]
    source = tmp_path / "in" / f"part.jsonl{suffix}"
    source.parent.mkdir()
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    with opener(source, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    result = runner.invoke(app, ["clean", "--jsonl", "--rules", "none", "--no-cache",
                                 str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with opener(tmp_path / "out" / source.name, "rt", encoding="utf-8") as handle:
        out = handle.read().splitlines()
    assert json.loads(out[0]) == {"id": 1, "text": "Quận Hà Đông", "meta": {"url": "x"}}
    assert out[1:] == lines[1:]  # unchanged records are kept byte for byte


def test_jsonl_text_field_option(tmp_path):
    source = tmp_path / "a.jsonl"
    source.write_text(json.dumps({"content": "a  b"}) + "\n")
    result = runner.invoke(app, ["clean", "--jsonl", "--text-field", "content", "--rules", "none",
                                 "--no-cache", str(source)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout.splitlines()[0]) == {"content": "a b"}


def test_large_file_streamed_in_blocks_matches_whole(tmp_path, monkeypatch):
    import cleaner.streaming as streaming

    monkeypatch.setattr(streaming, "BLOCK_BYTES", 64)
    rng = random.Random(7)
    paragraphs = []
    for _ in range(60):
        line = rng.choice(["Quận\u00a0Hà Đông  ", "Đổi mới kinh tế.", "a  b\r", "  ", "Ðà Nẵng"])
        paragraphs.append(line + "\n" * rng.choice([1, 2, 3, 4]))
    data = ("\n\n" + "".join(paragraphs)).encode()
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.txt").write_bytes(data)
    whole = _run(tmp_path / "in", FAST.replace(workers=1, cache=False), Mode(output_dir=tmp_path / "w"))
    streamed = _run(tmp_path / "in", FAST.replace(workers=1, cache=False, stream_threshold=10),
                    Mode(output_dir=tmp_path / "s"))
    assert (tmp_path / "s" / "big.txt").read_bytes() == (tmp_path / "w" / "big.txt").read_bytes()
    assert streamed[0].status == whole[0].status == "changed"
    kinds = {c.kind for c in streamed[0].document.changes}
    assert {"nbsp", "lookalike"} <= kinds


def test_fast_path_never_skips_a_line_ftfy_would_change():
    from ftfy.badness import MOJIBAKE_CATEGORIES

    alphabet = "".join(MOJIBAKE_CATEGORIES.values()).replace("-", "") + "aÃÂ ĐđươạẢ“”–\u00a0xyz."
    rng = random.Random(1)
    samples = ["".join(rng.choice(alphabet) for _ in range(rng.randint(2, 6))) for _ in range(4000)]
    samples += ["Quáº­n HÃ\u00a0 Ä\u0090Ã´ng", "sÃ³", "voilÃ le travail", "â€œquotedâ€\x9d"]
    for line in samples:
        if ftfy.fix_text(line, ftfy_config()) != line:
            assert ftfy_may_change(line), ascii(line)
    text = "\n".join(samples)
    flagged = set(lines_ftfy_may_change(text))
    # The scans of the whole text may also flag a line whose last or first
    # character completes a pattern across the line break (a "\\s"): more
    # work for ftfy, never a line left out.
    assert flagged >= {i for i, line in enumerate(samples) if ftfy_may_change(line)}


def test_fast_path_skips_clean_vietnamese():
    line = "Việt Nam có “nhiều” dân tộc – Đà Nẵng, Huế, Hà Nội… và Thành phố Hồ Chí Minh."
    assert not ftfy_may_change(line)
    assert lines_ftfy_may_change(line + "\n" + line) == []


def test_lookalike_fast_path_matches_whole_text_regex():
    from cleaner.stages import normalize

    rng = random.Random(3)
    alphabet = "ÐðaạiêĐnhg \n1_²Ðà\tx"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        expected = normalize._ETH_WORD.sub(normalize._fix_eth, text)
        assert normalize._lookalikes(text) == expected, ascii(text)


def test_big_jsonl_chunks_cleaned_by_workers_in_order(tmp_path, monkeypatch):
    import cleaner.parallel as parallel
    import cleaner.streaming as streaming

    monkeypatch.setattr(parallel, "BATCH_BYTES", 100)  # every JSONL file counts as big
    monkeypatch.setattr(streaming, "JSONL_CHUNK_LINES", 7)
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [json.dumps({"id": i, "text": f"Dòng {i}\u00a0 có  khoảng trắng" if i % 3 else f"Sạch {i}."},
                        ensure_ascii=False) for i in range(100)]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "b.jsonl").write_text(lines[1] + "\n", encoding="utf-8")
    config = FAST.replace(jsonl=True, include=("*.jsonl",), cache=False)
    one = _run(folder, config.replace(workers=1), Mode(output_dir=tmp_path / "one"))
    two = _run(folder, config.replace(workers=2), Mode(output_dir=tmp_path / "two"))
    assert [r.path for r in one] == [r.path for r in two]
    for name in ("a.jsonl", "b.jsonl"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    out = (tmp_path / "two" / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in out] == list(range(100))
    assert json.loads(out[1])["text"] == "Dòng 1 có khoảng trắng"
    assert len(two[0].document.changes) == len(one[0].document.changes) > 0
    assert {c.line for c in two[0].document.changes} == {c.line for c in one[0].document.changes}


def test_zstd_jsonl_round_trip(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    source = tmp_path / "in" / "part.jsonl.zst"
    source.parent.mkdir()
    source.write_bytes(zstandard.ZstdCompressor().compress(
        (json.dumps({"text": "a  b"}) + "\n").encode()))
    result = runner.invoke(app, ["clean", "--jsonl", "--rules", "none", "--no-cache",
                                 str(tmp_path / "in"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    data = zstandard.ZstdDecompressor().stream_reader((tmp_path / "out" / source.name).open("rb")).read()
    assert json.loads(data) == {"text": "a b"}


def test_in_place_streamed_file_untouched_when_clean(tmp_path):
    (tmp_path / "in").mkdir()
    target = tmp_path / "in" / "big.txt"
    target.write_bytes(CLEAN * 50)
    before = target.stat().st_mtime_ns
    [result] = _run(tmp_path / "in", FAST.replace(workers=1, cache=False, stream_threshold=10),
                    Mode(in_place=True))
    assert result.status == "unchanged"
    assert target.stat().st_mtime_ns == before
    assert not [p for p in (tmp_path / "in").iterdir() if p.name != "big.txt"]  # no temp left


@pytest.mark.parametrize("workers", [1, 2])
def test_stop_request_reports_exactly_the_files_written(tmp_path, monkeypatch, workers):
    import cleaner.parallel as parallel

    monkeypatch.setattr(parallel, "BATCH_FILES", 2)
    folder = _tree(tmp_path, 12)

    class Stop:
        requested = False

    stop = Stop()
    config = FAST.replace(workers=workers, cache=False)
    errors: list = []
    sources = list(iter_sources([str(folder)], config.include, config.exclude, errors))
    seen = []
    for result in clean_sources(sources, config, Mode(output_dir=tmp_path / "out"), stop=stop):
        seen.append(result.source.relative)
        stop.requested = True  # as the first Ctrl-C does
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert sorted(seen) == written
    assert len(seen) < 12


def test_cache_skips_reading_files_recorded_clean(tmp_path, monkeypatch):
    import os

    import cleaner.runner as runner_module

    folder = _tree(tmp_path, 2)
    for path in folder.iterdir():  # an old mtime: the entry is not "racy"
        os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    config = FAST.replace(workers=1, cache_dir=str(tmp_path / "cache"))
    _run(folder, config, Mode(write=False))

    def no_read(source):
        if source.path.endswith("00.txt"):
            raise AssertionError("a file recorded clean was read again")
        return runner_module.__dict__["_real_read"](source)

    monkeypatch.setitem(runner_module.__dict__, "_real_read", runner_module.read_bytes)
    monkeypatch.setattr(runner_module, "read_bytes", no_read)
    results = _run(folder, config, Mode(write=False))
    assert [(r.cached, r.status) for r in results] == [(True, "unchanged"), (False, "changed")]
    (folder / "00.txt").write_bytes(DIRTY)  # new mtime and size: read and cleaned again
    monkeypatch.undo()
    results = _run(folder, config, Mode(write=False))
    assert [(r.cached, r.status) for r in results] == [(False, "changed"), (False, "changed")]


def test_cache_handles_names_that_are_not_utf8(tmp_path):
    import os

    folder = tmp_path / "in"
    folder.mkdir()
    raw = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
    with open(raw, "wb") as handle:
        handle.write(CLEAN)
    os.utime(raw, ns=(10**18, 10**18))
    config = FAST.replace(workers=1, cache_dir=str(tmp_path / "cache"))
    assert [r.status for r in _run(folder, config, Mode(write=False))] == ["unchanged"]
    assert [r.cached for r in _run(folder, config, Mode(write=False))] == [True]


def test_fast_path_falls_back_to_ftfy_for_every_line_if_underivable(monkeypatch):
    import cleaner.fastpath as fastpath

    def broken():
        raise ValueError("unsupported regex construct")

    monkeypatch.setattr(fastpath, "_derived_prefilters", broken)
    fastpath._prefilters.cache_clear()
    try:
        assert fastpath.ftfy_may_change("Việt Nam")
        assert fastpath.lines_ftfy_may_change("abc\nViệt Nam") == [1]
    finally:
        fastpath._prefilters.cache_clear()


def test_progress_bar_shows_files_and_megabytes_per_second(monkeypatch):
    import io

    from rich.console import Console

    from cleaner.report import ProgressBar

    console = Console(file=io.StringIO(), force_terminal=True, width=160)
    bar = ProgressBar(console, 30, True)
    task = bar._progress.tasks[0]
    monkeypatch.setattr(type(task), "elapsed", property(lambda self: 2.0))
    for _ in range(30):
        bar.advance(100_000)
    assert task.fields["rate"] == "15 files/s 1.5 MB/s"
    bar.stop()


def test_normalize_gates_give_the_regex_results():
    import re

    from cleaner.stages import normalize

    rng = random.Random(5)
    for _ in range(3000):
        text = "".join(rng.choice(" \t\na\u00a0b\n\r") for _ in range(rng.randint(0, 14)))
        assert normalize._strip_trailing(text) == re.sub(r"[ \t]+$", "", text, flags=re.MULTILINE), repr(text)
        assert normalize._collapse_spaces(text) == re.sub(r"(?<=\S) {2,}", " ", text), repr(text)
        for limit in (0, 1, 2):
            stripped = text.lstrip("\n")
            expected = re.sub("\n{%d,}" % (limit + 2), "\n" * (limit + 1), stripped)
            assert normalize._blank_lines(text, limit) == expected, repr(text)


# --- cheap re-runs (issue #8) -------------------------------------------------

HEAVY_MODULES = ("ftfy", "chardet", "numpy", "regex", "pathspec", "pydantic", "cleaner.pipeline",
                 "cleaner.rules", "cleaner.learn", "cleaner.stages", "cleaner.restore", "cleaner.legacy",
                 "cleaner.report_html", "cleaner.report_json", "cleaner.parallel", "cleaner.streaming")


def _old_mtimes(folder):
    import os

    for path in folder.rglob("*"):  # an old mtime: entries are not "racy"
        os.utime(path, ns=(10**18, 10**18))


def test_rerun_of_known_clean_files_imports_no_pipeline(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "in"
    for i in range(3):
        (folder / "sub").mkdir(parents=True, exist_ok=True)
        (folder / ("sub" if i else ".") / f"{i}.txt").write_bytes(CLEAN)
    _old_mtimes(folder)
    command = [sys.executable, "-X", "importtime", "-m", "cleaner", "clean", str(folder), "--check",
               "--cache-dir", str(tmp_path / "cache"), "-q"]
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "cleaner.pipeline" in first.stderr  # the first run cleans
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in second.stderr.splitlines() if "|" in line}
    heavy = sorted(m for m in imported if any(m == h or m.startswith(h + ".") for h in HEAVY_MODULES))
    assert heavy == []


def test_check_rerun_reuses_results_of_files_that_would_change(tmp_path, monkeypatch):
    import cleaner.runner as runner_module

    folder = _tree(tmp_path, 4)
    _old_mtimes(folder)
    args = ["clean", str(folder), "--check", "--rules", "none", "--workers", "1", "-v",
            "--cache-dir", str(tmp_path / "cache")]
    first = runner.invoke(app, args)
    assert first.exit_code == 1, first.output

    def no_read(source):
        raise AssertionError(f"{source.path} was read again")

    monkeypatch.setattr(runner_module, "read_bytes", no_read)
    second = runner.invoke(app, args)
    assert second.exit_code == 1, second.output
    assert second.stderr == first.stderr  # the same lines, summary and change counts
    monkeypatch.undo()
    # a report shows texts: the files that would change are cleaned again
    seen = []
    real_read = runner_module.read_bytes
    monkeypatch.setattr(runner_module, "read_bytes", lambda source: seen.append(source.path) or real_read(source))
    report = runner.invoke(app, args + ["--report", str(tmp_path / "r.json")])
    assert report.exit_code == 1 and sorted(seen) == sorted(str(p) for p in folder.iterdir() if p.name[1] in "13")
    # a file edited since is cleaned again
    (folder / "01.txt").write_bytes(CLEAN)
    seen.clear()
    third = runner.invoke(app, args)
    assert third.exit_code == 1 and seen == [str(folder / "01.txt")]
    assert "would change" not in "".join(l for l in third.stderr.splitlines() if "01.txt" in l)


def test_unchanged_file_with_change_records_is_not_cached_as_clean(tmp_path):
    from cleaner.document import Change, Document
    from cleaner.files import Source
    from cleaner.runner import FileResult, _cacheable, result_from_record, result_record

    doc = Document(path="a.txt", encoding="utf-8", method="utf-8",
                   changes=[Change("repair", "lossy-unresolved", 3, "?", "?", "left as it is")])
    result = FileResult(Source("a.txt", "a.txt"), "unchanged", doc, digest="d", stat_key=(1, 2, 3))
    assert not _cacheable(result)
    record = result_record(result)
    again = result_from_record(Source("a.txt", "a.txt"), record, 10)
    assert again.status == "unchanged" and again.cached and again.document.changes == doc.changes
    assert result_from_record(Source("a.txt", "a.txt"), "{not json", 10) is None


def test_fast_globs_match_pathspec():
    import pathspec

    from cleaner.files import _Globs

    rng = random.Random(11)
    names = ["a.txt", "b.md", "drafts", "x.txt", "a b.txt", "é.txt", ".hid", "t", "a.txt.gz", "q?"]
    patterns = ["*.txt", "drafts", "a?.txt", "*", "*.t?t", "t", "*.md", "é*", ".*", "a b.txt"]
    for _ in range(3000):
        chosen = tuple(rng.sample(patterns, rng.randint(0, 3)))
        globs, spec = _Globs(chosen), pathspec.GitIgnoreSpec.from_lines(chosen)
        assert globs.spec is None
        parts = [rng.choice(names) for _ in range(rng.randint(1, 4))]
        relative = "/".join(parts)
        folder_matched = any(globs.name(part) for part in parts[:-1])
        assert globs.match(relative, folder_matched, parts[-1], False) == spec.match_file(relative), \
            (chosen, relative)


def test_streamed_file_keeps_a_bounded_number_of_changes(tmp_path, monkeypatch):
    import cleaner.streaming as streaming

    source = tmp_path / "in" / "a.jsonl"
    source.parent.mkdir()
    source.write_text("".join(json.dumps({"text": f"dòng {i}\u00a0a  b"}) + "\n" for i in range(12)))
    config = FAST.replace(jsonl=True, include=("*.jsonl",), cache=False, workers=1)
    [whole] = _run(source.parent, config, Mode(write=False))
    monkeypatch.setattr(streaming, "MAX_KEPT_CHANGES", 5)
    [result] = _run(source.parent, config, Mode(write=False))
    changes, all_changes = result.document.changes, whole.document.changes
    assert len(changes) == len(all_changes) > 12 and changes[:5] == all_changes[:5]
    assert [(c.stage, c.kind, c.rule) for c in changes] == [(c.stage, c.kind, c.rule) for c in all_changes]
    assert all(c.before == c.after == "" and c.line is None for c in changes[5:])
    assert len({id(c) for c in changes[5:]}) <= len({c.kind for c in changes})  # shared records
    assert [w for w in result.warnings if "counted but" in w]


def test_plain_option_values_convert_as_typer_does():
    typer_coercion = pytest.importorskip("typer._coercion")
    import typer

    from cleaner.cli import _PlainValue

    group = typer.main.get_group(app)
    for name in ("clean", "detect"):
        command = group.commands[name]
        ctx = command.make_context(name, ["x"])
        for param in command.params:
            if not isinstance(param._runtime_param, _PlainValue):
                continue
            theirs = typer_coercion.build_runtime_param(param.type_descriptor)
            for value in (None, (), ("a", "b"), "a", "", " 4", "4", "04", "-1", "\u0664", "a\udce9b", "x\x00",
                          True, False):
                results = []
                for coerce in (param._runtime_param.coerce, theirs.coerce):
                    try:
                        results.append(repr(coerce(value, param=param, ctx=ctx)))
                    except Exception as exc:  # noqa: BLE001 - the same error either way
                        results.append(f"{type(exc).__name__}: {exc}")
                assert results[0] == results[1], (name, param.name, value, results)


def test_import_cleaner_is_lazy_and_codecs_still_register():
    import subprocess
    import sys

    code = ("import sys, cleaner, cleaner.cli\n"
            "heavy = ('cleaner.pipeline', 'ftfy', 'cleaner.legacy', 'cleaner.learn', 'cleaner.rules', 'numpy')\n"
            "assert not [m for m in heavy if m in sys.modules], [m for m in heavy if m in sys.modules]\n"
            "print('Vi\\u1ec7t'.encode('vni').decode('vni'))\n"
            "assert cleaner.clean_text('a  b').text == 'a b\\n'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Vi\u1ec7t"


def test_lazy_subcommands_are_listed_and_run():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    listed = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("│ ") and
              line.split()[1] in ("clean", "detect", "rules", "cache", "model", "learn")]
    assert listed == ["clean", "detect", "rules", "cache", "model", "learn"]
    assert runner.invoke(app, ["cache", "path"]).exit_code == 0
    assert runner.invoke(app, ["learn", "--help"]).exit_code == 0
    assert runner.invoke(app, ["nosuch"]).exit_code == 2


def test_large_file_in_a_legacy_encoding_is_cleaned_whole(tmp_path):
    """Blocks need UTF-8: a file over stream_threshold in TCVN3 is not
    refused, it is cleaned whole."""
    import cleaner  # noqa: F401  (registers the legacy codecs)

    text = "Việt Nam là một quốc gia nằm ở phía đông bán đảo Đông Dương.\n" * 200
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "old.txt").write_bytes(text.encode("tcvn3"))
    [result] = _run(tmp_path / "in", FAST.replace(workers=1, cache=False, stream_threshold=1000),
                    Mode(output_dir=tmp_path / "out"))
    assert result.status == "changed", result.error
    assert (tmp_path / "out" / "old.txt").read_text(encoding="utf-8") == text


def test_jsonl_records_get_their_sites_rules(tmp_path):
    """A record's url (--site-field) selects the per-site rules, as a
    file's folder does."""
    (tmp_path / "cleaner.toml").write_text(
        '[sites."example.vn"]\n[[sites."example.vn".rule]]\nid = "ex.slogan"\ncategory = "navigation"\n'
        'match = "phrase"\nphrases = ["Tiếng nói của người dân Ví Dụ"]\n', encoding="utf-8")
    body = "Người dân địa phương cho biết dự án đã hoàn thành đúng hạn và được đưa vào sử dụng."
    text = f"{body}\nTiếng nói của người dân Ví Dụ\n"
    records = [{"text": text, "url": "https://example.vn/tin/1.html"}, {"text": text, "url": "https://other.vn/2"},
               {"text": text, "page": "example.vn"}]
    source = tmp_path / "a.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    result = runner.invoke(app, ["clean", "--jsonl", "--no-cache", "--workers", "1", str(source)])
    assert result.exit_code == 0, result.output
    texts = [json.loads(line)["text"] for line in result.stdout.splitlines()]
    assert texts == [body + "\n", text, text]
    result = runner.invoke(app, ["clean", "--jsonl", "--no-cache", "--workers", "1", "--site-field", "page",
                                 str(source)])
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()][2] == body + "\n"


def test_rules_are_built_before_workers_fork_for_the_files_at_hand(tmp_path, monkeypatch):
    """A big run builds the rule set of its first files (language, site)
    in the parent, so that forked workers inherit it."""
    from cleaner import parallel
    from cleaner.files import Source
    from cleaner.rules.engine import rules_for
    from cleaner.rules.scan import finder_for

    path = tmp_path / "vnexpress.net" / "a.txt"
    path.parent.mkdir()
    path.write_text("Người dân địa phương đã được hỗ trợ kịp thời sau trận lũ.\n", encoding="utf-8")
    monkeypatch.setattr(parallel, "WARM_BYTES", 0)
    config = Config()
    parallel._warm([Source(str(path), "a.txt")], config)
    rules = rules_for(config, path.read_text(encoding="utf-8"), str(path))
    assert finder_for(rules)._compiled


def test_the_last_batches_go_out_in_smaller_pieces():
    """At the end of a run a worker waits for the others' last batch: the
    last batches are cut smaller, the files and their order unchanged."""
    from cleaner import parallel
    from cleaner.files import Source

    sources = [Source(f"/nowhere/{n}.txt", f"{n}.txt") for n in range(100)]
    parts = list(parallel.batches(sources))
    finer = parallel._finer_tail(parts, 2)
    assert [s for part in finer for s in part] == sources
    assert finer[:len(parts) - 2] == parts[:-2]
    assert len(finer) == len(parts) - 2 + 2 * parallel.TAIL_SPLIT
    assert parallel._finer_tail(parts, 1) == parts
    big = Source("/nowhere/big.jsonl", "big.jsonl")
    assert parallel._finer_tail([parts[0], big], 2)[-1] is big  # a big JSONL file stays whole


def test_a_run_of_one_batch_starts_no_worker_processes(tmp_path, monkeypatch):
    """A few files (one batch) are cleaned in this process even with
    workers: starting a pool costs more than they do (a pre-commit hook
    passes a handful of files)."""
    import concurrent.futures

    folder = _tree(tmp_path, count=6)

    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started for one batch")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    results = _run(folder, FAST.replace(workers=2, cache=False), Mode(output_dir=tmp_path / "out"))
    assert [r.status for r in results] == ["unchanged", "changed"] * 3


def test_a_big_run_in_one_process_is_warmed_too(tmp_path, monkeypatch):
    """Without workers, a big run still builds the rules' scans and the
    pre-check first, instead of cleaning its first files the slow way meant
    for a single small file."""
    from cleaner import parallel

    folder = _tree(tmp_path)
    warmed = []
    monkeypatch.setattr(parallel, "_warm", lambda sources, config: warmed.append(len(sources)))
    _run(folder, FAST.replace(workers=1, cache=False), Mode(output_dir=tmp_path / "out"))
    assert warmed == [6]


def test_nfc_line_by_line_is_exact():
    """Long texts are checked and composed line by line (a mark anywhere
    made unicodedata normalize the whole text): same answers."""
    import unicodedata

    from cleaner import fastpath

    rng = random.Random(11)
    alphabet = ["a", "e", "\u0301", "\u0323", "\u0302", "\n", "ê", "Đ", "\u1100", "\u1161", "\u11a8", "가",
                "\u0b47", "\u0b3e", " ", "x", "\u0344", "\u212b", "\u0f73", "\r", "\U0001D15E", "\U0001D165"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))) * rng.choice([1, 300])
        fastpath._KNOWN_NFC.clear()
        assert fastpath.is_nfc(text) == unicodedata.is_normalized("NFC", text), repr(text[:60])
        assert fastpath.to_nfc(text) == unicodedata.normalize("NFC", text), repr(text[:60])


def test_classes_present_in_a_text_answer_as_each_table_would(monkeypatch):
    """``fastpath.present`` answers every class asked about a text from one
    lookup in a combined table (classes registered on the way, some texts
    asked about again after a new class came): the answers of each table."""
    import numpy

    from cleaner import fastpath

    monkeypatch.setattr(fastpath, "_PRESENT_TABLES", [])
    monkeypatch.setattr(fastpath, "_PRESENT_BITS", {})
    monkeypatch.setattr(fastpath, "_PRESENT_COMBINED", [None])
    monkeypatch.setattr(fastpath, "_LAST_PRESENT", [None, 0, 0])
    rng = random.Random(13)
    tables = [fastpath.char_table("".join(rng.choice("aĐđ\u00a0\u200b x\n°é") for _ in range(3)) + str(k))
              for k in range(20)]  # more than the 16 bits: the rest are looked up on their own
    texts = ["".join(rng.choice("aĐđ\u00a0\u200b x\n°é0123456789") for _ in range(rng.randint(0, 40)))
             for _ in range(200)]
    for _ in range(3000):
        text = rng.choice(texts)
        table = rng.choice(tables)
        codes = fastpath.code_points(text)
        assert fastpath.present(text, codes, table) == bool(table[codes].any()), (text, tables.index(table))
    assert numpy.count_nonzero(fastpath._PRESENT_COMBINED[0]) > 0


def test_nfc_by_table_is_exact(monkeypatch):
    """A long text holding only characters NFC leaves alone whatever their
    neighbours is NFC without normalizing it (table lookups): every
    character NFC may change, or that may compose with the one before, is
    in the table; texts of such characters and their neighbours."""
    import unicodedata

    from cleaner import fastpath

    monkeypatch.setattr(fastpath, "BY_TABLE_AFTER", 0)
    monkeypatch.setattr(fastpath, "numpy_worth_it", lambda size: True)
    table = fastpath._nfc_unstable_table()
    for code in range(0x10000):
        char = chr(code)
        if not 0xD800 <= code < 0xE000 and not table[code]:
            assert unicodedata.combining(char) == 0 and unicodedata.normalize("NFC", char) == char, hex(code)
    rng = random.Random(12)
    # letters, and what may follow them: marks, Hangul jamo, Indic signs, a singleton (Å), an excluded one
    alphabet = ["a", "e", "o", "ô", "ư", "\u0301", "\u0323", "\u0309", "\u1100", "\u1161", "\u11a8", "가", "\u0b47",
                "\u0b3e", "\u0b57", "\u09c7", "\u09be", "\u0dd9", "\u0dcf", "\u212b", "\u0958", "\u2adc", " ",
                "\n", "Đ", "\U0001D15E"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        fastpath._KNOWN_NFC.clear()
        fastpath.forget_code_points()
        assert fastpath.is_nfc(text) == unicodedata.is_normalized("NFC", text), repr(text)


def test_pre_check_by_first_characters_finds_what_the_regex_scan_finds(monkeypatch):
    """The pre-check of long texts tries its patterns only where numpy
    found a character their matches start with (and, for characters met
    often, only the branches that may follow them): the same lines."""
    import random

    import cleaner.fastpath as fastpath

    pieces = ["Đ", "Đà Nẵng ", "Â", "Ã©", "â€™", "Ã ", "“", "”", "°C", "²", "Ð", "ÐŸ", "Ã‚Â", "¤", "¬",
              "\u0085", "\x1b[1m", "ö", "Ý", "├─", "Mã xác nhận", "Lấy lại", " ", "\n", "\n", "abc", "ê", "😀",
              "\uffff", "\ufffd", "à", "ă", "đ", "Ă", "Ø", "Â€", "В", "\u2018"]
    rng = random.Random(7)
    monkeypatch.setattr(fastpath, "BY_STARTS_AFTER", 0)
    monkeypatch.setattr(fastpath, "IMPORT_NUMPY_AFTER", 0)
    monkeypatch.setattr(fastpath, "CUT_AFTER", 3)  # the cut-down patterns are used too
    for _ in range(600):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 120)))
        spans = fastpath._spans_by_starts(text)
        assert spans is not None
        expected = [m.span() for pattern in fastpath._prefilters() for m in pattern.finditer(text)]
        assert spans == expected, repr(text)
    assert fastpath._CUT  # some characters came often enough
    assert fastpath._spans_by_starts("Vi\ud800t") is None  # a lone surrogate: the regex scan


def test_pre_check_reads_ftfy_badness_without_importing_ftfy():
    """A run of clean text never imports ftfy (0.1 s); the pre-check's
    regex comes from ftfy's badness module read on its own, the same one."""
    import subprocess
    import sys

    code = ("import sys, cleaner.fastpath as f; f._prefilters(); "
            "from cleaner import clean_text; clean_text('Xin chào “Hà Nội”\\n'); "
            "assert 'ftfy' not in sys.modules, 'ftfy imported'; "
            "from ftfy.badness import BADNESS_RE; assert f._badness_read_alone().pattern == BADNESS_RE.pattern")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_table_lookups_over_long_texts_agree_with_the_regex_scans(monkeypatch):
    """Long texts are searched for a class of characters by numpy table
    lookups (normalization, the rules' line forms, the legacy checks):
    the same answers as the regex scans, on texts with and without them."""
    import random

    import cleaner.fastpath as fastpath
    from cleaner.legacy import detect
    from cleaner.rules import text as rules_text
    from cleaner.stages import normalize

    monkeypatch.setattr(fastpath, "BY_TABLE_AFTER", 0)
    monkeypatch.setattr(fastpath, "IMPORT_NUMPY_AFTER", 0)
    pieces = ["Hà Nội", "café", "\u00a0", "\u200b", "\x85", "\r", "\n", "\n\n", " ", "á»", "Ă¬", "Ã©", "“", "abc",
              "\u2028", "\t", "Ñaûng", "§¶ng", "😀", "\ufeff", "ə", "\uffff", "𝐀"]
    rng = random.Random(3)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 40)))
        for pattern in (normalize._REMOVABLE, rules_text._INVISIBLE_OR_SPACE, detect._NOT_CP1252):
            assert fastpath.holds(pattern, text) == (pattern.search(text) is not None), (pattern, text)
        codes = fastpath.code_points(text)
        held = fastpath.lines_holding(codes, fastpath.char_table(detect._CP1252_READING, outside=True)).tolist()
        assert held == [detect._NOT_CP1252.search(line) is not None for line in text.split("\n")], repr(text)
        assert detect._has_utf8_in_cp1258(text, codes) == (detect._UTF8_IN_CP1258.search(text) is not None)
    assert fastpath.class_table(detect._NOT_CP1252) is None  # a negated class: the regex scan


def test_language_word_counts_by_table_agree_with_the_regex():
    import random

    from cleaner.rules import text as rules_text

    pieces = ["Hà", "Nội", "được", "the", " ", "\n", "_", "3", "²", "Ⅻ", "\u0301", "é", "-", "ĐƯỜNG", "日本",
              "x_y", "١٢", "Ǆ", "ß", "Ⓐ"]
    rng = random.Random(5)
    for _ in range(500):
        sample = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30)))
        words = rules_text._ANY_WORD.findall(sample)
        expected = len(words), sum(1 for word in words if rules_text._VI_LETTER.search(word))
        assert rules_text._word_counts(sample) == expected, repr(sample)
    assert rules_text._word_counts("Hà 😀") is None  # beyond the BMP: the regex way


def test_regex_cache_gives_the_patterns_re_compile_gives(tmp_path, monkeypatch):
    """A long pattern's compiled program is kept in a file; a later process
    (here: the module's memory emptied) builds the same pattern from it:
    same flags, groups and matches as ``re.compile``. A damaged file or a
    bad pattern behave as without the cache."""
    import re

    from cleaner import regex_cache
    from cleaner.rules.engine import load_rules

    path = tmp_path / "regex.json"
    monkeypatch.setattr(regex_cache, "_path", lambda: str(path))
    monkeypatch.setattr(regex_cache, "_loaded", None)
    monkeypatch.setattr(regex_cache, "_added", {})
    rules = load_rules(("generic", "vi-news", "en-news"))
    sources = [(rule.patterns[0] if rule.match == "regex" else "|".join(map(re.escape, rule.patterns)),
                re.IGNORECASE if rule.fold else 0) for rule in rules if rule.patterns]
    sources += [("(?P<word>[^\\W\\d_]+)(?:\\s+(?P=word))+" + "|x" * 120, re.MULTILINE),
                ("[\ud800-\udfff\u0300-\u036f]" + "|(?<=[à-ỹ])Đ" * 60, 0)]
    sources = [(source, flags) for source, flags in sources if len(source) >= regex_cache.MIN_LENGTH]
    assert len(sources) > 10
    lines = ["Bình luận (3)", "Xem thêm: Hà Nội", "lượt xem 1.234", "Chia sẻ | In bài", "word word x",
             "© 2024 Báo Nhân Dân", "Ngày 12 tháng 5 năm 2020", "TIN LIÊN QUAN", "àĐ ố", "\u0301x"]

    def same(cached, expected):
        assert (cached.pattern, cached.flags, cached.groups, cached.groupindex) == (
            expected.pattern, expected.flags, expected.groups, expected.groupindex)
        for line in lines:
            found, wanted = cached.search(line), expected.search(line)
            assert (found and (found.span(), found.groups())) == (wanted and (wanted.span(), wanted.groups()))

    for source, flags in sources:
        same(regex_cache.compile(source, flags), re.compile(source, flags))
    regex_cache.save()
    assert path.exists()
    monkeypatch.setattr(regex_cache, "_loaded", None)
    for source, flags in sources:
        assert f"{int(flags)}\x00{source}" in regex_cache._entries()
        same(regex_cache.compile(source, flags), re.compile(source, flags))
    assert not regex_cache._added  # every one came from the file

    path.write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(regex_cache, "_loaded", None)
    source, flags = sources[0]
    same(regex_cache.compile(source, flags), re.compile(source, flags))
    with pytest.raises(re.error):
        regex_cache.compile("(" * 300)


def test_line_heads_regex_reads_the_first_two_words_as_the_plain_definition():
    """The heads scan's regex is written for speed (runs of non-word
    characters between lone numbers); it finds what the plain definition
    does: skip non-word characters and lone numbers, take a word, twice."""
    import re

    from cleaner.rules.clues import HEAD

    plain = re.compile(r"\n(?:[^\w\n]|\d+(?!\w))*(\w*)(?:[^\w\n]|\d+(?!\w))*(\w*)")
    pieces = ["a", "bc", "1", "23", " ", "\n", "-", "_", "é", "\u0301", ".", "(", "4a", "x9", "\t", "·", "Đ", "٣",
              "tháng", "12 tháng 5"]
    rng = random.Random(5)
    for _ in range(20000):
        text = "\n" + "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 16))) + "\n"
        assert HEAD.findall(text, 0, len(text) - 1) == plain.findall(text, 0, len(text) - 1), repr(text)
