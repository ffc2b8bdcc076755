"""The command line, through Typer's runner and a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cleaner.cli import app
from conftest import ROOT, SAMPLES

runner = CliRunner()
DIRTY = "Quận\u00a0Hà Đông  \r\nÐổi mới\r\n".encode()
CLEAN = "Quận Hà Đông\nĐổi mới\n".encode()


def invoke(*args, input=None):
    return runner.invoke(app, list(args), input=input)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.txt").write_bytes(DIRTY)
    (tmp_path / "in" / "sub" / "b.txt").write_bytes(CLEAN)
    (tmp_path / "in" / "skip.md").write_bytes(DIRTY)
    (tmp_path / "in" / ".hidden").mkdir()
    (tmp_path / "in" / ".hidden" / "c.txt").write_bytes(DIRTY)
    return tmp_path


def test_output_dir_mirrors_tree(tree):
    result = invoke("clean", str(tree / "in"), "-o", str(tree / "out"))
    assert result.exit_code == 0, result.output
    assert (tree / "out" / "a.txt").read_bytes() == CLEAN
    assert (tree / "out" / "sub" / "b.txt").read_bytes() == CLEAN
    assert not (tree / "out" / "skip.md").exists()
    assert not (tree / "out" / ".hidden").exists()
    assert (tree / "in" / "a.txt").read_bytes() == DIRTY


def test_output_dir_onto_the_inputs_is_refused(tree):
    """-o naming the input folder (or a link to it) would rewrite the
    inputs without --in-place's care: each file fails, none is touched."""
    (tree / "link").symlink_to(tree / "in")
    for output in (tree / "in", tree / "link"):
        result = invoke("clean", str(tree / "in"), "-o", str(output))
        assert result.exit_code == 2
        assert "output would overwrite the input" in result.output
        assert (tree / "in" / "a.txt").read_bytes() == DIRTY


def test_check_exit_codes(tree):
    assert invoke("clean", "--check", str(tree / "in")).exit_code == 1
    assert invoke("clean", "--check", str(tree / "in" / "sub")).exit_code == 0
    assert (tree / "in" / "a.txt").read_bytes() == DIRTY


def test_in_place_then_check_passes(tree):
    target = tree / "in" / "a.txt"
    os.chmod(target, 0o640)
    clean_mtime = os.stat(tree / "in" / "sub" / "b.txt").st_mtime_ns
    assert invoke("clean", "--in-place", str(tree / "in")).exit_code == 0
    assert target.read_bytes() == CLEAN
    assert oct(os.stat(target).st_mode & 0o777) == oct(0o640)
    assert os.stat(tree / "in" / "sub" / "b.txt").st_mtime_ns == clean_mtime
    assert invoke("clean", "--check", str(tree / "in")).exit_code == 0
    assert not [p for p in (tree / "in").iterdir() if p.name.startswith(".cleaner-tmp")]


def test_diff_writes_nothing(tree):
    result = invoke("clean", "--diff", str(tree / "in" / "a.txt"))
    assert result.exit_code == 0
    assert "-Quận\u00a0Hà Đông" in result.stdout and "+Quận Hà Đông" in result.stdout
    assert (tree / "in" / "a.txt").read_bytes() == DIRTY


def test_single_file_to_stdout(tree):
    result = invoke("clean", str(tree / "in" / "a.txt"))
    assert result.exit_code == 0
    assert result.stdout_bytes == CLEAN


def test_stdin_to_stdout():
    result = invoke("clean", "-", "--quiet", input=DIRTY)
    assert result.exit_code == 0
    assert result.stdout_bytes == CLEAN


def test_binary_input_exits_2_and_is_untouched(tree):
    binary = tree / "in" / "img.txt"
    data = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    binary.write_bytes(data)
    result = invoke("clean", "--in-place", str(tree / "in"))
    assert result.exit_code == 2
    assert "binary" in result.stderr
    assert binary.read_bytes() == data
    assert (tree / "in" / "a.txt").read_bytes() == CLEAN  # others still processed


def test_missing_path_and_usage_errors(tree):
    assert invoke("clean", "--check", str(tree / "nope.txt")).exit_code == 2
    assert invoke("clean", str(tree / "in")).exit_code == 2  # folder needs a mode
    assert invoke("clean", "--check", "--diff", str(tree / "in")).exit_code == 2
    assert invoke("clean", "--bogus-flag", str(tree / "in")).exit_code == 2


def test_config_file(tree):
    (tree / "in" / "cleaner.toml").write_text('include = ["*.md"]\nmax-blank-lines = 0\n')
    result = invoke("clean", str(tree / "in"), "-o", str(tree / "out"))
    assert result.exit_code == 0, result.output
    assert (tree / "out" / "skip.md").exists() and not (tree / "out" / "a.txt").exists()


def test_pyproject_config_and_bad_config(tree):
    (tree / "pyproject.toml").write_text('[tool.cleaner]\nunknown-option = 1\n')
    result = invoke("clean", "--check", str(tree / "in"))
    assert result.exit_code == 2
    assert "unknown option" in result.stderr
    (tree / "pyproject.toml").write_text('[tool.cleaner\n')
    assert invoke("clean", "--check", str(tree / "in")).exit_code == 2


def test_detect_json(tree):
    (tree / "in" / "latin.txt").write_bytes(("Le cœur de la forêt était déjà très animé. " * 4).encode("cp1252"))
    result = invoke("detect", "--json", str(tree / "in"))
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {tuple(sorted(r)) for r in records} == {("confidence", "encoding", "method", "path")}
    by_name = {os.path.basename(r["path"]): r for r in records}
    assert by_name["a.txt"]["encoding"] == "utf-8"
    assert by_name["latin.txt"]["encoding"] == "cp1252"


def _run(*args, input=None):
    return subprocess.run([sys.executable, "-m", "cleaner", *args], input=input,
                          capture_output=True, cwd=ROOT, timeout=120)


def test_subprocess_pipeline():
    proc = _run("clean", "-", input=DIRTY)
    assert proc.returncode == 0
    assert proc.stdout == CLEAN
    assert b"\x1b[" not in proc.stderr  # no colour codes when piped


def test_subprocess_samples_then_check(tmp_path):
    out = tmp_path / "cleaned"
    proc = _run("clean", str(SAMPLES / "input"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    for expected in (SAMPLES / "expected").glob("*.txt"):
        assert (out / expected.name).read_bytes() == expected.read_bytes()
    assert _run("clean", "--check", str(out)).returncode == 0


def test_subprocess_binary_exit_2(tmp_path):
    binary = tmp_path / "x.txt"
    binary.write_bytes(b"%PDF-1.4\n\x00\x01\x02")
    proc = _run("clean", "--in-place", str(binary))
    assert proc.returncode == 2
    assert proc.stderr.decode().count("\n") >= 1 and b"binary" in proc.stderr
    assert binary.read_bytes() == b"%PDF-1.4\n\x00\x01\x02"


def test_version_and_help():
    assert "cleaner" in invoke("--version").stdout
    help_text = invoke("clean", "--help").stdout
    assert "--check" in help_text and "--in-place" in help_text


@pytest.mark.parametrize("args, message", [
    (["--encoding", "klingon"], "cleaner: error: unknown encoding 'klingon'"),
    (["--model", "no-such-model.npz"], "cleaner: error: model file 'no-such-model.npz' not found"),
    (["--tone-style", "bogus"], "cleaner: error: command line: option 'tone-style': expected 'old' or 'new'"),
])
def test_bad_option_values_are_one_error_before_any_input(tmp_path, args, message):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Hà Nội\n", encoding="utf-8")
    result = invoke("clean", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), "--check", *args)
    assert result.exit_code == 2
    assert result.stderr.strip() == message


def test_a_folder_without_an_output_mode_is_named_in_the_error(tmp_path):
    result = invoke("clean", str(tmp_path))
    assert result.exit_code == 2
    assert "a folder needs -o DIR" in result.stderr


def test_the_config_is_found_from_the_folder_all_inputs_share(tmp_path):
    """The order of the inputs does not matter: a config in one input's
    folder does not apply to a run over two folders."""
    (tmp_path / "cleaner.toml").write_text("odd-spaces = false\n", encoding="utf-8")
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.txt").write_text("a\u00a0b\n", encoding="utf-8")
    (tmp_path / "a" / "cleaner.toml").write_text("odd-spaces = true\n", encoding="utf-8")
    for order in (["a", "b"], ["b", "a"]):
        result = invoke("clean", "--check", "--no-cache", *(str(tmp_path / name / "x.txt") for name in order))
        assert result.exit_code == 0, result.output  # the shared folder's config: NBSP kept
    one = invoke("clean", "--check", "--no-cache", str(tmp_path / "a" / "x.txt"))
    assert one.exit_code == 1  # a's own config, for a's file alone


def test_a_file_named_twice_is_cleaned_once(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("a\u00a0b\n", encoding="utf-8")
    result = invoke("clean", "--check", "--no-cache", str(path), str(path), str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.count("would change") == 1 and "1 file(s)" in result.stderr


def test_model_and_cache_folder_in_a_config_file_are_relative_to_it(tmp_path):
    from cleaner.config import load_config

    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "cleaner.toml").write_text('model = "m.npz"\ncache-dir = "c"\n', encoding="utf-8")
    config = load_config(tmp_path / "cfg" / "cleaner.toml")
    assert config.model == str(tmp_path / "cfg" / "m.npz")
    assert config.cache_dir == str(tmp_path / "cfg" / "c")
    overridden = config.replace_from({"model": "other.npz"}, "command line")  # the command line: as given
    assert overridden.model == "other.npz"
