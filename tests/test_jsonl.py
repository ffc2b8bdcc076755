"""JSON Lines: stdin, records kept byte for byte but for their text, and
the changes recorded per record."""

from __future__ import annotations

import io
import json
import sys

import pytest
from typer.testing import CliRunner

from cleaner import Config
from cleaner.cli import app
from cleaner.document import Document
from cleaner.files import STDIN, Source
from cleaner.jsonl import clean_record_line, value_span
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
    assert [c.kind for c in result.document.changes] == ["nbsp"]


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
    # the changed records, as lines of a unified diff
    assert '-{"id": 1, "text": "a\\u00a0b"}\n+{"id": 1, "text": "a b"}\n {"id": 2, "text": "ok"}' in diff.stdout


def test_jsonl_diff_of_a_file_shows_its_changed_records(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_bytes(RECORDS)
    diff = invoke("--jsonl", "--diff", str(path))
    assert diff.exit_code == 0
    assert '+{"id": 1, "text": "a b"}' in diff.stdout and "only the encoding" not in diff.stdout
    assert path.read_bytes() == RECORDS


def test_stdin_jsonl_from_config(tmp_path):
    (tmp_path / "cleaner.toml").write_text("jsonl = true\n")
    result = invoke("-q", "-", "--stdin-filename", str(tmp_path / "x.jsonl"), input=RECORDS)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == CLEANED


def test_stdin_without_jsonl_is_still_plain_text():
    result = invoke("-q", "-", input="a\u00a0b".encode())
    assert result.exit_code == 0 and result.stdout_bytes == b"a b\n"


# --- other fields kept byte for byte ----------------------------------------

def _clean_line(line: bytes, config: Config = FAST) -> tuple[bytes, Document]:
    doc = Document()
    return clean_record_line(line, config, doc, 1), doc


@pytest.mark.parametrize("line, expected", [
    # numbers json.dumps would rewrite (1e400: as Infinity, no JSON at all)
    (b'{"text":"a\\u00a0b","g":1e400,"i":1E5,"f":1.0000000000000001,"n":-0}\n',
     b'{"text":"a b","g":1e400,"i":1E5,"f":1.0000000000000001,"n":-0}\n'),
    # duplicate keys: json.loads reads the last one, so that one is cleaned
    (b'{"text":"keep\\u00a0me","dup":1,"dup":2,"text":"a\\u00a0b"}\n',
     b'{"text":"keep\\u00a0me","dup":1,"dup":2,"text":"a b"}\n'),
    # escapes and spacing elsewhere, a key spelled with an escape
    (b' { "url" : "x\\/y\\u00e9" ,\t"te\\u0078t" : "a\\u00a0b" , "z":[1, {"text":"q\\u00a0"}] }  \r\n',
     b' { "url" : "x\\/y\\u00e9" ,\t"te\\u0078t" : "a b" , "z":[1, {"text":"q\\u00a0"}] }  \r\n'),
    # non-ASCII text before and after (byte offsets, not character offsets)
    ('{"a":"Đà Lạt","text":"Quận\u00a0Hà Đông  ","b":"ü"}'.encode(),
     '{"a":"Đà Lạt","text":"Quận Hà Đông","b":"ü"}'.encode()),
    # a UTF-8 byte-order mark before the first record
    (b'\xef\xbb\xbf{"text":"a\\u00a0b"}\n', b'\xef\xbb\xbf{"text":"a b"}\n'),
])
def test_changed_record_keeps_every_other_byte(line, expected):
    out, doc = _clean_line(line)
    assert out == expected
    assert json.loads(out)["text"] == json.loads(expected)["text"]


def test_cleaned_text_is_json_encoded():
    out, _ = _clean_line(b'{"text":"\\"q\\"\\u00a0\\\\ \\u0001 \xc3\xa9\\n\\nb","id":7}\n')
    assert out.endswith(b',"id":7}\n')
    assert json.loads(out) == {"text": '"q" \\ \xe9\n\nb', "id": 7}


def test_unchanged_record_is_kept_byte_for_byte():
    line = b'{"text":"clean","g":1e400,"dup":1,"dup":2}\r\n'
    out, doc = _clean_line(line)
    assert out is line and not doc.changes


def test_a_record_nested_deeper_than_the_stack_is_kept_with_a_warning():
    deep = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b',"text":"a\\u00a0b"}\n'
    out, doc = _clean_line(deep)
    assert out is deep and not doc.changes
    assert any("nested too deeply" in warning for warning in doc.warnings)
    assert value_span(deep, "text") is None


def test_value_span_finds_the_last_top_level_key():
    line = '{"text":1,"x":{"text":2},"text" : "é" }'.encode()
    start, end = value_span(line, "text")
    assert line[start:end] == '"é"'.encode()
    assert value_span(b'{"x":{"text":"a"}}', "text") is None
    assert value_span(b'["text"]', "text") is None


def test_jsonl_cli_keeps_other_fields(tmp_path):
    source = tmp_path / "f.jsonl"
    source.write_bytes(b'{"text":"a\\u00a0b","g":1e400,"i":1E5,"dup":1,"dup":2}\n')
    result = invoke("--jsonl", "-q", str(source))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b'{"text":"a b","g":1e400,"i":1E5,"dup":1,"dup":2}\n'
    result = invoke("--jsonl", "-q", str(source), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "f.jsonl").read_bytes() == b'{"text":"a b","g":1e400,"i":1E5,"dup":1,"dup":2}\n'


# --- changes recorded per record ----------------------------------------------

# (text, cleaned text, whether a "final-newline" change is recorded)
FINAL_NEWLINES = [
    ("a\u00a0b", "a b", False),  # the pipeline's added newline is taken off again
    ("a  b", "a b", False),
    ("k\u00a0", "k", False),
    ("c\u00a0d\n", "c d\n", False),  # one final newline already
    ("g\n\n\n", "g\n", True),  # blank lines at the end removed
    ("h\u00a0i\n\n", "h i\n", True),
    ("j\n\n ", "j", True),
]


@pytest.mark.parametrize("text, cleaned, recorded", FINAL_NEWLINES)
def test_final_newline_recorded_only_when_done(text, cleaned, recorded):
    out, doc = _clean_line(json.dumps({"text": text}).encode() + b"\n")
    assert json.loads(out)["text"] == cleaned
    assert ("final-newline" in [c.kind for c in doc.changes]) == recorded
    assert doc.changes and all(c.line == 1 for c in doc.changes)


def test_final_newline_not_recorded_in_cli_check_and_report(tmp_path):
    source = tmp_path / "ten.jsonl"
    texts = [text for text, _, _ in FINAL_NEWLINES] + ["clean", "ok\n", "done"]
    source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts))
    report = tmp_path / "r.json"
    result = invoke("--jsonl", "--check", "-v", "--report", str(report), str(source))
    assert result.exit_code == 1, result.output
    kinds = [c["kind"] for c in json.loads(report.read_text())["files"][0]["changes"]]
    assert kinds.count("final-newline") == sum(recorded for _, _, recorded in FINAL_NEWLINES) == 3
    assert kinds.count("nbsp") == 4
    summary = {line.split()[0]: line.split()[-1] for line in result.stderr.splitlines() if line.strip()}
    assert summary["final-newline"] == "3" and summary["nbsp"] == "4"
