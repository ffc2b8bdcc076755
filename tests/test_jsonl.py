"""JSON Lines: stdin, records kept byte for byte but for their text, and
the changes recorded per record."""

from __future__ import annotations

import io
import json
import sys

from typer.testing import CliRunner

from cleaner import Config
from cleaner.cli import app
from cleaner.files import STDIN, Source
from cleaner.runner import Mode, clean_source

runner = CliRunner()
FAST = Config(rules=("none",), jsonl=True, cache=False, workers=1)
RECORDS = b'{"id": 1, "text": "a\\u00a0b"}\n{"id": 2, "text": "ok"}\n'
CLEANED = b'{"id": 1, "text": "a b"}\n{"id": 2, "text": "ok"}\n'


def invoke(*args, input=None):
    return runner.invoke(app, ["clean", "--rules", "none", "--no-cache", "--workers", "1", *args], input=input)


def _clean_stdin(data: bytes, config: Config, mode: Mode, monkeypatch):
    """clean_source on stdin holding ``data``; the result and what went to stdout."""
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out))
    result = clean_source(Source(STDIN, "stdin"), config, mode)
    return result, out.getvalue()


# --- stdin ------------------------------------------------------------------

def test_stdin_jsonl_is_cleaned_record_by_record(monkeypatch):
    result, written = _clean_stdin(RECORDS, FAST, Mode(stdout=True), monkeypatch)
    assert result.status == "changed" and written == CLEANED
    assert "nbsp" in [c.kind for c in result.document.changes]


def test_stdin_jsonl_check_writes_nothing(monkeypatch):
    result, written = _clean_stdin(RECORDS, FAST, Mode(write=False), monkeypatch)
    assert result.status == "changed" and written == b""


def test_stdin_jsonl_cli_same_as_file(tmp_path):
    source = tmp_path / "a.jsonl"
    source.write_bytes(RECORDS)
    from_file = invoke("--jsonl", "-q", str(source))
    from_stdin = invoke("--jsonl", "-q", "-", input=RECORDS)
    assert from_stdin.exit_code == from_file.exit_code == 0, from_stdin.output
    assert from_stdin.stdout_bytes == from_file.stdout_bytes == CLEANED


def test_stdin_jsonl_check_and_diff():
    check = invoke("--jsonl", "--check", "-", input=RECORDS)
    assert check.exit_code == 1 and "would change stdin" in check.stderr
    assert check.stdout_bytes == b""
    clean = invoke("--jsonl", "--check", "-", input=CLEANED)
    assert clean.exit_code == 0, clean.output
    diff = invoke("--jsonl", "--diff", "-", input=RECORDS)
    assert diff.exit_code == 0 and "stdin" in diff.stdout


def test_stdin_jsonl_from_config(tmp_path):
    (tmp_path / "cleaner.toml").write_text("jsonl = true\n")
    result = invoke("-q", "-", "--stdin-filename", str(tmp_path / "x.jsonl"), input=RECORDS)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == CLEANED


def test_stdin_without_jsonl_is_still_plain_text():
    result = invoke("-q", "-", input="a\u00a0b".encode())
    assert result.exit_code == 0 and result.stdout_bytes == b"a b\n"
