"""Compressed plain-text inputs: ``.txt.gz``, ``.txt.xz``, ``.txt.bz2`` and
``.txt.zst`` are read as text, found by the include globs, written back
compressed the same way (-o and --in-place) and bounded in memory."""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cleaner.cli import app
from cleaner.config import Config
from cleaner.files import Source, iter_sources, open_input, read_decompressed
from cleaner.runner import Mode, clean_sources

runner = CliRunner()
CLEAN = "Quận Hà Đông có nhiều trường học.\n\nĐổi mới “kinh tế” – năm 1986.\n".encode()
DIRTY = "Quận\u00a0Hà Đông  \r\nÐổi mới\r\n".encode()
CLEANED = "Quận Hà Đông\nĐổi mới\n".encode()
FAST = Config(rules=("none",))


def _zstd_compress(data: bytes) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    return zstandard.ZstdCompressor().compress(data)


COMPRESSORS = {
    ".gz": lambda data: gzip.compress(data, mtime=0),
    ".xz": lzma.compress,
    ".bz2": bz2.compress,
    ".zst": _zstd_compress,
}


def decompress(path: Path) -> bytes:
    with open_input(str(path)) as handle:
        return handle.read()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(COMPRESSORS[path.suffix](data))
    return path


def invoke(*args):
    result = runner.invoke(app, ["clean", "--rules", "none", "--no-cache", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_explicit_compressed_file_to_stdout(tmp_path, suffix):
    source = write(tmp_path / f"a.txt{suffix}", DIRTY)
    code, out, err = invoke(source)
    assert code == 0, err
    assert out.encode() == CLEANED  # stdout gets the plain text


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_output_folder_keeps_the_compression(tmp_path, suffix):
    write(tmp_path / "in" / f"dirty.txt{suffix}", DIRTY)
    clean = write(tmp_path / "in" / "sub" / f"clean.txt{suffix}", CLEAN)
    code, _out, err = invoke(tmp_path / "in", "-o", tmp_path / "out")
    assert code == 0, err
    assert decompress(tmp_path / "out" / f"dirty.txt{suffix}") == CLEANED
    # an unchanged file is copied as it is, not compressed again
    assert (tmp_path / "out" / "sub" / f"clean.txt{suffix}").read_bytes() == clean.read_bytes()


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_in_place_rewrites_compressed_atomically(tmp_path, suffix):
    target = write(tmp_path / f"a.txt{suffix}", DIRTY)
    target.chmod(0o640)
    untouched = write(tmp_path / f"b.txt{suffix}", CLEAN)
    before = untouched.stat().st_mtime_ns
    code, _out, err = invoke("--in-place", tmp_path)
    assert code == 0, err
    assert decompress(target) == CLEANED
    assert target.stat().st_mode & 0o777 == 0o640
    assert untouched.stat().st_mtime_ns == before  # unchanged: not rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"a.txt{suffix}", f"b.txt{suffix}"]  # no temp left
    code, _out, err = invoke("--check", tmp_path)
    assert code == 0, err


def test_default_include_takes_compressed_text_and_exclude_applies(tmp_path):
    folder = tmp_path / "in"
    for name in ("a.txt", "b.txt.gz", "c.txt.xz", "d.txt.bz2", "e.md.gz", "f.gz", "g.txt.gz.bak"):
        path = folder / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"x\n")
    errors: list = []
    names = [s.relative for s in iter_sources([str(folder)], ("*.txt",), (), errors, compressed=True)]
    assert names == ["a.txt", "b.txt.gz", "c.txt.xz", "d.txt.bz2"]
    names = [s.relative for s in iter_sources([str(folder)], ("*.txt",), ("b.txt",), errors, compressed=True)]
    assert names == ["a.txt", "c.txt.xz", "d.txt.bz2"]
    # without compressed=True (e.g. cleaner learn), only the globs themselves
    assert [s.relative for s in iter_sources([str(folder)], ("*.txt",), (), errors)] == ["a.txt"]
    # a glob naming the compressed form still works, and a complex glob too
    assert [s.relative for s in iter_sources([str(folder)], ("*.txt.gz",), (), errors, compressed=True)] \
        == ["b.txt.gz"]
    assert [s.relative for s in iter_sources([str(folder)], ("/*.txt", "!a.txt"), (), errors,
                                             compressed=True)] == ["b.txt.gz", "c.txt.xz", "d.txt.bz2"]
    assert errors == []


def test_damaged_compressed_file_is_an_error(tmp_path):
    (tmp_path / "bad.txt.gz").write_bytes(b"this is not gzip data")
    truncated = gzip.compress(CLEAN * 100, mtime=0)[:-20]
    (tmp_path / "short.txt.gz").write_bytes(truncated)
    (tmp_path / "bad.txt.xz").write_bytes(b"\xfd7zXZ\x00garbage")
    write(tmp_path / "ok.txt.gz", DIRTY)
    code, _out, err = invoke("--check", tmp_path)
    assert code == 2
    lines = [line for line in err.splitlines() if line.startswith("cleaner: error:")]
    assert len(lines) == 3 and all("decompress" in line or "cannot read" in line for line in lines), err
    assert not [line for line in lines if "ok.txt.gz" in line]


def test_zst_without_zstandard_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "a.txt.zst").write_bytes(b"(\xb5/\xfd")
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import zstandard fails
    code, _out, err = invoke("--check", tmp_path / "a.txt.zst")
    assert code == 2
    assert "zstandard" in err and "pip install" in err


def test_decompression_is_bounded(tmp_path):
    """A small file that expands a lot is read only up to the limit."""
    bomb = tmp_path / "bomb.txt.gz"
    with gzip.open(bomb, "wb") as handle:
        for _ in range(64):
            handle.write(b"a" * 1024**2)  # 64 MB of text, ~64 KB compressed
    data, info = read_decompressed(Source(str(bomb), bomb.name), 1000)
    assert data is None and info.st_size == bomb.stat().st_size
    data, _ = read_decompressed(Source(str(bomb), bomb.name), 64 * 1024**2)
    assert data is not None and len(data) == 64 * 1024**2
    # whole-text modes (--diff, stdout) refuse what is over max_file_size
    config = FAST.replace(workers=1, cache=False, max_file_size=1000)
    [result] = list(clean_sources([Source(str(bomb), bomb.name)], config, Mode(write=False, diff=True)))
    assert result.status == "failed" and "max_file_size" in result.error


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_large_compressed_file_is_streamed(tmp_path, suffix):
    paragraphs = b"".join(DIRTY + b"\n" + CLEAN + b"\n" for _ in range(200))
    source = write(tmp_path / "in" / f"big.txt{suffix}", paragraphs)
    whole = list(clean_sources([Source(str(source), source.name)], FAST.replace(workers=1, cache=False),
                               Mode(output_dir=tmp_path / "whole")))
    streamed = list(clean_sources([Source(str(source), source.name)],
                                  FAST.replace(workers=1, cache=False, stream_threshold=1000),
                                  Mode(output_dir=tmp_path / "streamed")))
    assert whole[0].status == streamed[0].status == "changed"
    assert decompress(tmp_path / "streamed" / source.name) == decompress(tmp_path / "whole" / source.name)
    # in place, streamed: still compressed the same way
    [result] = list(clean_sources([Source(str(source), source.name)],
                                  FAST.replace(workers=1, cache=False, stream_threshold=1000),
                                  Mode(in_place=True)))
    assert result.status == "changed"
    assert decompress(source) == decompress(tmp_path / "whole" / source.name)


def test_cache_with_compressed_inputs(tmp_path):
    folder = tmp_path / "in"
    clean = write(folder / "a.txt.gz", CLEAN)
    write(folder / "b.txt.xz", DIRTY)
    for path in folder.iterdir():  # an old mtime: entries are not "racy"
        os.utime(path, ns=(10**18, 10**18))
    config = FAST.replace(workers=1, cache_dir=str(tmp_path / "cache"))
    errors: list = []
    sources = list(iter_sources([str(folder)], config.include, (), errors, compressed=True))
    first = list(clean_sources(sources, config, Mode(write=False)))
    assert [(r.cached, r.status) for r in first] == [(False, "unchanged"), (False, "changed")]
    second = list(clean_sources(sources, config, Mode(write=False)))
    assert [(r.cached, r.status) for r in second] == [(True, "unchanged"), (False, "changed")]
    # with -o, a file known clean by its content is copied, compressed as it was
    [out_a, _] = list(clean_sources(sources, config, Mode(output_dir=tmp_path / "out")))
    assert out_a.cached and (tmp_path / "out" / "a.txt.gz").read_bytes() == clean.read_bytes()
    assert decompress(tmp_path / "out" / "b.txt.xz") == CLEANED


def test_detect_reads_compressed_input(tmp_path):
    write(tmp_path / "a.txt.bz2", "Đổi mới kinh tế\n".encode("utf-8"))
    result = runner.invoke(app, ["detect", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "a.txt.bz2\tutf-8" in result.stdout


def test_diff_on_compressed_input(tmp_path):
    write(tmp_path / "a.txt.gz", DIRTY)
    code, out, err = invoke("--diff", tmp_path / "a.txt.gz")
    assert code == 0, err
    assert "-Quận\u00a0Hà Đông" in out and "+Quận Hà Đông" in out


def test_compressed_round_trip_in_a_real_process(tmp_path):
    """The installed command, end to end: -o keeps gzip, --check then passes."""
    write(tmp_path / "in" / "a.txt.gz", DIRTY)
    write(tmp_path / "in" / "b.txt.xz", CLEAN)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "cleaner", "clean", "--rules", "none", "-q"]
    done = subprocess.run(command + [str(tmp_path / "in"), "-o", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    with gzip.open(tmp_path / "out" / "a.txt.gz", "rb") as handle:
        assert handle.read() == CLEANED
    assert (tmp_path / "out" / "b.txt.xz").read_bytes() == (tmp_path / "in" / "b.txt.xz").read_bytes()
    done = subprocess.run(command + ["--check", str(tmp_path / "out")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    done = subprocess.run(command + ["--check", str(tmp_path / "in")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 1
