"""Writing to an output folder (-o): what goes where, with which mode."""

from __future__ import annotations

import gzip
import os
import stat
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cleaner.cli import app
from cleaner.config import Config
from cleaner.files import Source, iter_sources, new_file_mode
from cleaner.runner import Mode, OutputCollisionError, clean_sources
from conftest import ROOT

runner = CliRunner()
FIRST = "first\u00a0file\n".encode()
SECOND = "second\u00a0file\n".encode()


def invoke(*args):
    return runner.invoke(app, ["clean", *map(str, args)])


def write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _run(*args, umask: int | None = None):
    return subprocess.run([sys.executable, "-m", "cleaner", "clean", *map(str, args)],
                          capture_output=True, cwd=ROOT, timeout=120,
                          preexec_fn=None if umask is None else lambda: os.umask(umask))


# --- two inputs, one output path -----------------------------------------------


def test_two_folders_with_the_same_name_inside_are_refused_before_writing(tmp_path):
    a = write(tmp_path / "col" / "a" / "x.txt", FIRST)
    b = write(tmp_path / "col" / "b" / "x.txt", SECOND)
    result = invoke(a.parent, b.parent, "-o", tmp_path / "out", "--report", tmp_path / "col.json")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"cleaner: error: {a} and {b} would both be written to {tmp_path / 'out' / 'x.txt'}"]
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "col.json").exists()


def test_two_files_with_the_same_name_are_refused(tmp_path):
    a = write(tmp_path / "a" / "x.txt", FIRST)
    b = write(tmp_path / "b" / "x.txt", SECOND)
    result = invoke(a, b, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{a} and {b} would both be written to {tmp_path / 'out' / 'x.txt'}" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_named_file_and_a_folder_file_with_the_same_output_are_refused(tmp_path):
    a = write(tmp_path / "a" / "x.txt", FIRST)
    b = write(tmp_path / "b" / "x.txt", SECOND)
    result = invoke(b.parent, a, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{b} and {a} would both be written to" in result.stderr


def test_compressed_outputs_count_by_their_own_name(tmp_path):
    write(tmp_path / "a" / "x.txt.gz", gzip.compress(FIRST))
    write(tmp_path / "b" / "x.txt.gz", gzip.compress(SECOND))
    write(tmp_path / "c" / "x.txt", SECOND)  # out/x.txt: no clash with out/x.txt.gz
    result = invoke(tmp_path / "a", tmp_path / "c", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["x.txt", "x.txt.gz"]
    result = invoke(tmp_path / "a", tmp_path / "b", "-o", tmp_path / "out2")
    assert result.exit_code == 2
    assert f"would both be written to {tmp_path / 'out2' / 'x.txt.gz'}" in result.stderr
    assert not (tmp_path / "out2").exists()


def test_jsonl_outputs_collide_by_their_path(tmp_path):
    a = write(tmp_path / "a" / "docs.jsonl", b'{"text": "first\\u00a0file"}\n')
    b = write(tmp_path / "b" / "docs.jsonl", b'{"text": "second\\u00a0file"}\n')
    result = invoke("--jsonl", a.parent, b.parent, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert f"{a} and {b} would both be written to {tmp_path / 'out' / 'docs.jsonl'}" in result.stderr
    assert not (tmp_path / "out").exists()


def test_one_file_reached_twice_is_no_collision(tmp_path):
    a = write(tmp_path / "a" / "x.txt", FIRST)
    (tmp_path / "link").symlink_to(tmp_path / "a")
    for args in ((a, a), (a.parent, tmp_path / "link")):
        result = invoke(*args, "-o", tmp_path / "out")
        assert result.exit_code == 0, result.output
        assert (tmp_path / "out" / "x.txt").read_bytes() == b"first file\n"


def test_collision_is_refused_by_the_library_too(tmp_path):
    a = write(tmp_path / "a" / "x.txt", FIRST)
    b = write(tmp_path / "b" / "x.txt", SECOND)
    sources = [Source(str(a), "x.txt"), Source(str(b), "x.txt")]
    with pytest.raises(OutputCollisionError, match="would both be written to"):
        list(clean_sources(sources, Config(), Mode(output_dir=tmp_path / "out")))
    assert not (tmp_path / "out").exists()


def test_collision_exit_code_and_one_line_in_a_real_process(tmp_path):
    a = write(tmp_path / "col" / "a" / "x.txt", FIRST)
    b = write(tmp_path / "col" / "b" / "x.txt", SECOND)
    proc = _run(a.parent, b.parent, "-o", tmp_path / "out")
    assert proc.returncode == 2
    assert proc.stderr.decode().splitlines() == [
        f"cleaner: error: {a} and {b} would both be written to {tmp_path / 'out' / 'x.txt'}"]
    assert proc.stdout == b""
    assert not (tmp_path / "out").exists()


# --- modes of new files ---------------------------------------------------------


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_new_file_mode_follows_the_umask_and_leaves_it_alone():
    before = _current_umask()
    assert new_file_mode() == 0o666 & ~before
    assert _current_umask() == before


def test_outputs_and_report_get_a_new_files_mode(tmp_path):
    """mkstemp's temp files are 0600; what is renamed into place is not."""
    write(tmp_path / "in" / "dirty.txt", FIRST)
    write(tmp_path / "in" / "clean.txt", b"clean\n")
    write(tmp_path / "in" / "dirty.txt.gz", gzip.compress(FIRST))
    write(tmp_path / "in" / "clean.txt.gz", gzip.compress(b"clean\n"))
    expected = 0o666 & ~_current_umask()
    for report in ("r.json", "r.html"):
        out = tmp_path / f"out-{report}"
        result = invoke(tmp_path / "in", "-o", out, "--report", tmp_path / report)
        assert result.exit_code == 0, result.output
        assert {p.name: mode_of(p) for p in out.iterdir()} == dict.fromkeys(
            ["dirty.txt", "clean.txt", "dirty.txt.gz", "clean.txt.gz"], expected)
        assert mode_of(tmp_path / report) == expected


def test_streamed_outputs_get_a_new_files_mode(tmp_path):
    write(tmp_path / "in" / "docs.jsonl", b'{"text": "first\\u00a0file"}\n')
    result = invoke("--jsonl", tmp_path / "in", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert mode_of(tmp_path / "out" / "docs.jsonl") == 0o666 & ~_current_umask()


def test_modes_under_another_umask_in_a_real_process(tmp_path):
    """New outputs follow the process's umask; files rewritten in place keep
    their own mode whatever the umask."""
    write(tmp_path / "in" / "a.txt", FIRST)
    write(tmp_path / "in" / "docs.jsonl", b'{"text": "first\\u00a0file"}\n')
    proc = _run(tmp_path / "in", "-o", tmp_path / "out", "--report", tmp_path / "r.json", umask=0o027)
    assert proc.returncode == 0, proc.stderr
    assert mode_of(tmp_path / "out" / "a.txt") == 0o640
    assert mode_of(tmp_path / "r.json") == 0o640
    proc = _run("--jsonl", tmp_path / "in", "-o", tmp_path / "out-jsonl", umask=0o027)
    assert proc.returncode == 0, proc.stderr
    assert mode_of(tmp_path / "out-jsonl" / "docs.jsonl") == 0o640
    for name in ("a.txt", "docs.jsonl"):
        os.chmod(tmp_path / "in" / name, 0o604)
    for args in ((tmp_path / "in" / "a.txt",), ("--jsonl", tmp_path / "in" / "docs.jsonl")):
        proc = _run("--in-place", *args, umask=0o077)
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "in" / "a.txt").read_bytes() == b"first file\n"
    assert b"\\u00a0" not in (tmp_path / "in" / "docs.jsonl").read_bytes()
    assert mode_of(tmp_path / "in" / "a.txt") == 0o604
    assert mode_of(tmp_path / "in" / "docs.jsonl") == 0o604


# --- an output folder inside an input folder ------------------------------------


def _corpus(tmp_path):
    write(tmp_path / "corpus" / "a.txt", FIRST)
    write(tmp_path / "corpus" / "sub" / "b.txt", SECOND)
    return tmp_path / "corpus"


def _files_below(folder) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_output_folder_inside_the_input_is_not_walked(tmp_path):
    corpus = _corpus(tmp_path)
    for _ in range(3):
        result = invoke(corpus, "-o", corpus / "cleaned")
        assert result.exit_code == 0, result.output
        assert "2 file(s)" in result.stderr  # the outputs are not counted as inputs
    assert _files_below(corpus) == ["a.txt", "cleaned/a.txt", "cleaned/sub/b.txt", "sub/b.txt"]
    assert (corpus / "cleaned" / "sub" / "b.txt").read_bytes() == b"second file\n"


def test_output_folder_is_known_however_it_is_spelled(tmp_path, monkeypatch):
    corpus = _corpus(tmp_path)
    invoke(corpus, "-o", corpus / "sub" / "out")
    (tmp_path / "link").symlink_to(corpus / "sub" / "out")
    monkeypatch.chdir(tmp_path)
    for output in (tmp_path / "corpus" / "." / "sub" / "out", "corpus/sub/out/", "link"):
        result = invoke("corpus", "-o", output)
        assert result.exit_code == 0, result.output
        assert "2 file(s)" in result.stderr
    assert _files_below(corpus / "sub" / "out") == ["a.txt", "sub/b.txt"]


def test_skip_folder_leaves_out_subfolders_only(tmp_path):
    corpus = _corpus(tmp_path)
    write(corpus / "out" / "old.txt", b"x\n")
    errors: list = []

    def relatives(paths, skip):
        return [s.relative for s in iter_sources([str(p) for p in paths], ("*.txt",), (), errors,
                                                 skip_folder=skip)]

    assert relatives([corpus], corpus / "out") == ["a.txt", "sub/b.txt"]
    assert relatives([corpus], None) == ["a.txt", "out/old.txt", "sub/b.txt"]
    assert relatives([corpus], tmp_path / "missing") == ["a.txt", "out/old.txt", "sub/b.txt"]
    # a folder named on the command line is walked even if it is the one to skip
    assert relatives([corpus / "out"], corpus / "out") == ["old.txt"]
    assert errors == []


def test_rerun_into_a_nested_output_folder_in_a_real_process(tmp_path):
    corpus = _corpus(tmp_path)
    for _ in range(2):
        proc = _run(corpus, "-o", corpus / "cleaned")
        assert proc.returncode == 0, proc.stderr
        assert b"2 file(s)" in proc.stderr
    assert not (corpus / "cleaned" / "cleaned").exists()
