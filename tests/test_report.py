"""Reports: the terminal summary, --diff colouring, the JSON and HTML report
files, the progress-bar policy, and the reporting options of ``clean``."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cleaner import clean_bytes
from cleaner.cli import app
from cleaner.document import Change, Document
from cleaner.files import Source
from cleaner.report import (
    ProgressBar, Reporter, ReportPathError, Summary, console_options, file_record, open_report,
    print_summary, progress_enabled, use_color,
)
from cleaner.report_html import HtmlReport, show, side_by_side
from cleaner.report_json import SCHEMA, JsonReport
from cleaner.runner import FileResult
from conftest import ROOT

runner = CliRunner()
DIRTY = "Quận\u00a0Hà Đông  \r\nÐổi mới\r\n".encode()
CLEAN = "Quận Hà Đông\nĐổi mới\n".encode()
HOSTILE = '<script>alert("x")</script> & \u00a0 "quoted" \u200b\n'.encode()


def invoke(*args, input=None, env=None):
    return runner.invoke(app, list(args), input=input, env=env)


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_bytes(DIRTY)
    (tmp_path / "in" / "b.txt").write_bytes(CLEAN)
    (tmp_path / "in" / "evil <b>&.txt").write_bytes(HOSTILE)
    return tmp_path


def result_for(data: bytes, path: str = "x.txt", warnings=(), status=None) -> FileResult:
    doc = clean_bytes(data, path=path)
    result = FileResult(Source(path, Path(path).name), status or ("changed" if doc.changed else "unchanged"), doc)
    result.warnings.extend(warnings)
    return result


# --- JSON report -------------------------------------------------------------

def test_json_report_schema(tree):
    report = tree / "report.json"
    result = invoke("clean", "--check", str(tree / "in"), str(tree / "missing.txt"), "--report", str(report))
    assert result.exit_code == 2  # the missing input is an error; the report is still written
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["schema"] == SCHEMA == "cleaner-report/1"
    assert list(data)[-1] == "totals"
    by_name = {Path(f["path"]).name: f for f in data["files"]}
    assert set(by_name) == {"a.txt", "b.txt", "evil <b>&.txt", "missing.txt"}
    a = by_name["a.txt"]
    assert a["changed"] is True and a["status"] == "changed"
    assert (a["encoding"], a["method"]) == ("utf-8", "utf-8") and 0 <= a["confidence"] <= 1
    assert a["error"] is None and a["warnings"] == []
    for change in a["changes"]:
        assert set(change) == {"stage", "kind", "line", "end_line", "before", "after", "reason",
                               "rule", "confidence"}
    assert {"nbsp", "lookalike"} <= {c["kind"] for c in a["changes"]}
    assert by_name["b.txt"]["changed"] is False and by_name["b.txt"]["changes"] == []
    assert by_name["missing.txt"]["status"] == "failed" and by_name["missing.txt"]["error"]
    totals = data["totals"]
    assert totals["files"] == 4 and totals["changed"] == 2 and totals["failed"] == 1
    assert totals["unchanged"] == 1 and totals["changes"] == sum(len(f["changes"]) for f in data["files"])
    assert totals["kinds"]["nbsp"] >= 1 and totals["stages"]["normalize"] >= 1


def test_json_report_streams_and_is_atomic(tmp_path):
    path = tmp_path / "big.json"
    report = JsonReport(path)
    summary = Summary()
    result = result_for(DIRTY)
    report.add(result)
    summary.add(result)
    report._out.handle.flush()
    size_after_one = report._out.handle.tell()
    for _ in range(300):
        report.add(result)
        summary.add(result)
    # Records go to disk as they come (nothing is kept per file) ...
    assert report._out.handle.tell() > 250 * size_after_one // 2
    assert not hasattr(report, "files") and not path.exists()  # ... and appear only when finished
    report.finish(summary)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["files"]) == 301 and data["totals"]["files"] == 301
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_json_report_abort_leaves_nothing(tmp_path):
    report = JsonReport(tmp_path / "r.json")
    report.add(result_for(DIRTY))
    report.abort()
    assert list(tmp_path.iterdir()) == []


def test_json_report_lone_surrogates_stay_valid(tmp_path):
    doc = Document(path="s.txt", text="bad \udcff here\n", decoded_text="bad \udcff here")
    doc.record("decode", "invalid-utf8", 1, "\udcff", "?", "lone surrogate")
    result = FileResult(Source("s.txt", "s.txt"), "changed", doc)
    report = JsonReport(tmp_path / "r.json")
    report.add(result)
    summary = Summary()
    summary.add(result)
    report.finish(summary)
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert data["files"][0]["changes"][0]["before"] == "\udcff"


def test_empty_json_report(tmp_path):
    report = JsonReport(tmp_path / "r.json")
    report.finish(Summary())
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["files"] == [] and data["totals"]["files"] == 0


def test_report_path_errors(tree):
    with pytest.raises(ReportPathError):
        open_report(tree / "report.txt")
    with pytest.raises(ReportPathError):
        open_report(tree / "no-such-folder" / "r.json")
    result = invoke("clean", "--check", str(tree / "in"), "--report", str(tree / "r.csv"))
    assert result.exit_code == 2 and ".json or .html" in result.stderr


def test_file_record_for_stdin_uses_stdin_filename():
    doc = clean_bytes(DIRTY)
    record = file_record(FileResult(Source("-", "web/page.txt"), "changed", doc))
    assert record["path"] == "web/page.txt"


# --- HTML report ---------------------------------------------------------------

def test_html_report_is_self_contained_and_escaped(tree):
    report = tree / "report.html"
    result = invoke("clean", "--check", str(tree / "in"), "--report", str(report))
    assert result.exit_code == 1
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    # No network: no external URLs in src/href, and a CSP that forbids loads.
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "default-src 'none'" in page
    # Hostile text and file names are escaped everywhere.
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert 'data-path="' in page and "evil &lt;b&gt;&amp;.txt" in page
    assert page.count("<script>") == 1
    # Changes are coloured by kind and explained on hover.
    assert re.search(r'<(del|ins) class="k" style="--h:\d+" data-kind="nbsp" title="nbsp \(normalize\): ', page)
    assert "U+00A0" in page and "U+200B" in page  # invisible characters made visible
    assert 'id="summary"' in page and 'id="file-list"' in page and 'id="filter-text"' in page


def test_side_by_side_attributes_changes_to_rows():
    old = "keep\nchrome line\nA\u00a0B  \n\n\n\nend"
    new = "keep\nA B\n\nend\n"
    changes = [
        Change("chrome", "chrome", 2, "chrome line", "", "site chrome", rule="vi.footer"),
        Change("normalize", "nbsp", 2, "A\u00a0B  ", "A B  ", "NBSP -> space"),
        Change("normalize", "trailing-space", 2, "A B  ", "A B", "trailing spaces"),
        Change("normalize", "final-newline", None, "", "", "final newline added"),
    ]
    rows, unplaced = side_by_side(old, new, changes)
    assert 'data-kind="chrome" title="chrome (chrome): site chrome [rule vi.footer]"' in rows
    assert 'data-kind="nbsp"' in rows and 'data-kind="trailing-space"' in rows
    assert [c.kind for c in unplaced] == ["final-newline"]


def test_show_marks_invisibles_without_breaking_markup():
    html = show('a\u00a0b <i> "c"\u200b', mark_spaces=True)
    assert "<i>" not in html and "&lt;i&gt;" in html
    assert html.count('class="cp"') == 2 and 'title="U+00A0 NO-BREAK SPACE"' in html
    assert '<span class="ws">·</span>' in html
    assert 'class="cp" title' in html  # spaces inside generated markup are left alone


def test_html_report_warnings_and_failures(tmp_path):
    report = HtmlReport(tmp_path / "r.html")
    summary = Summary()
    capped = result_for(DIRTY, "capped.txt", warnings=["chrome removal stopped at the safety cap (30%)"])
    failed = FileResult(Source("bad.txt", "bad.txt"), "failed", error="binary input <NUL>")
    for result in (capped, failed):
        report.add(result)
        summary.add(result)
    report.add_error("gone.txt", "no such file or folder")
    summary.add_error("gone.txt", "no such file or folder")
    report.finish(summary)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "binary input &lt;NUL&gt;" in page and "safety cap" in page
    assert page.count('<section class="file"') == 3
    assert "hit the chrome safety cap: capped.txt" in page


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
def test_html_report_renders_in_chromium(tree):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from screenshot_report import check_page
    finally:
        sys.path.pop(0)
    report = tree / "report.html"
    assert invoke("clean", "--check", str(tree / "in"), "--report", str(report)).exit_code == 1
    dom, errors = check_page(CHROMIUM, report)
    assert errors == []
    assert 'data-ready="1"' in dom  # the script ran to the end
    assert dom.count('class="file-item"') == 3  # and built the file list
    assert "3 of 3 file(s) shown" in dom
    # Filters given in the address hide the other files.
    dom, errors = check_page(CHROMIUM, report, "#status=unchanged")
    assert errors == [] and "1 of 3 file(s) shown" in dom
    assert len(re.findall(r'<section class="file"[^>]* hidden', dom)) == 2


# --- terminal summary ----------------------------------------------------------

def _text(summary: Summary, verbose=False) -> str:
    console = Console(file=io.StringIO(), width=200, no_color=True)
    print_summary(summary, console, verbose)
    return console.file.getvalue()


def test_summary_counts_kinds_stages_rules_cap_and_unresolved():
    summary = Summary()
    summary.add(result_for(DIRTY, "a.txt"))
    summary.add(result_for(CLEAN, "b.txt"))
    capped = result_for(DIRTY, "c.txt", warnings=["removed nothing: over the safety cap"])
    capped.document.record("chrome", "chrome", 3, "Bình luận", "", "comment form", rule="vi.comments")
    capped.document.record("repair", "lossy-unresolved", 4, "Vi?t", "Vi?t", "no confident restoration")
    summary.add(capped)
    summary.add(FileResult(Source("d.txt", "d.txt"), "skipped"))
    summary.add_error("e.txt", "permission denied")
    assert (summary.seen, summary.changed, summary.unchanged, summary.skipped, summary.failed) == (5, 2, 1, 1, 1)
    assert summary.rules == {"vi.comments": 1}
    assert summary.safety_capped == ["c.txt"] and summary.unresolved == {"c.txt": 1}
    text = _text(summary)
    assert "5 file(s): 2 changed, 1 unchanged, 1 skipped, 1 failed" in text
    assert "nbsp" in text and "normalize" in text and "chrome" in text
    assert "rules that removed most: vi.comments (1)" in text
    assert "safety cap (1): c.txt" in text
    assert "unresolved lossy damage in 1 file(s): c.txt (1)" in text


def test_summary_verbose_shows_every_kind():
    summary = Summary()
    for i in range(12):
        summary.kinds[f"kind-{i:02d}"] += i + 1
    assert "kind-00" not in _text(summary) and "more" in _text(summary)
    assert "kind-00" in _text(summary, verbose=True)


def test_quiet_and_verbose_cli(tree):
    quiet = invoke("clean", "--check", "--quiet", str(tree / "in"))
    assert quiet.exit_code == 1 and quiet.stderr == ""
    verbose = invoke("clean", "--check", "--verbose", str(tree / "in"))
    assert f"unchanged {tree / 'in' / 'b.txt'}" in verbose.stderr
    assert f"would change {tree / 'in' / 'a.txt'}" in verbose.stderr


def test_in_place_lists_cleaned_files(tree):
    result = invoke("clean", "--in-place", str(tree / "in"))
    assert result.exit_code == 0
    assert f"cleaned {tree / 'in' / 'a.txt'}" in result.stderr
    assert "b.txt" not in result.stderr


def test_check_lists_files_and_help_documents_exit_codes(tree):
    result = invoke("clean", "--check", str(tree / "in"))
    assert result.exit_code == 1
    assert f"would change {tree / 'in' / 'a.txt'}" in result.stderr and "b.txt" not in result.stderr
    assert result.stdout == ""
    help_text = invoke("clean", "--help").stdout
    assert "Exit codes" in help_text and "--report" in help_text and "--color" in help_text


# --- colour ------------------------------------------------------------------------

class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_use_color_policy():
    tty, pipe = FakeTTY(), io.StringIO()
    assert use_color("auto", tty, {}) and not use_color("auto", pipe, {})
    assert not use_color("auto", tty, {"NO_COLOR": "1"})
    assert use_color("auto", pipe, {"FORCE_COLOR": "1"})
    assert not use_color("auto", tty, {"NO_COLOR": "1", "FORCE_COLOR": "1"})
    assert use_color("always", pipe, {"NO_COLOR": "1"})
    assert not use_color("never", tty, {"FORCE_COLOR": "1"})
    assert use_color("auto", tty, {"NO_COLOR": ""})  # empty means unset
    assert console_options("always", env={"NO_COLOR": "1"})["no_color"] is False
    assert console_options("never", env={})["no_color"] is True


def test_diff_colour_flags(tree):
    target = str(tree / "in" / "a.txt")
    plain = invoke("clean", "--diff", target)
    assert "\x1b[" not in plain.stdout and "+Quận Hà Đông" in plain.stdout
    coloured = invoke("clean", "--diff", "--color", "always", target)
    assert "\x1b[" in coloured.stdout and "Quận Hà Đông" in coloured.stdout
    forced = invoke("clean", "--diff", target, env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    no_color = invoke("clean", "--diff", target, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in no_color.stdout
    assert invoke("clean", "--diff", "--color", "sometimes", target).exit_code == 2


def test_plain_diff_keeps_control_characters(tmp_path):
    target = tmp_path / "c.txt"
    target.write_bytes(b"a\x0cb\r\n")
    result = invoke("clean", "--diff", "--color", "never", str(target))
    assert "-a\x0cb" in result.stdout


# --- progress bar policy -----------------------------------------------------------

def test_progress_enabled_policy():
    tty = FakeTTY()
    assert progress_enabled(tty, {"TERM": "xterm"})
    assert not progress_enabled(io.StringIO(), {})  # piped / redirected
    for name in ("PRE_COMMIT", "CI", "NO_COLOR"):
        assert not progress_enabled(tty, {name: "1"}), name
    assert not progress_enabled(tty, {"TERM": "dumb"})
    assert not progress_enabled(tty, {}, quiet=True)


def test_progress_bar_only_for_long_runs():
    console = Console(file=FakeTTY(), force_terminal=True, width=80)
    short = ProgressBar(console, 3, enabled=True)
    assert short._progress is None
    long = ProgressBar(console, 500, enabled=True)
    assert long._progress is not None
    long.advance()
    long.stop()
    assert ProgressBar(console, 500, enabled=False)._progress is None


def test_reporter_streams_results(tmp_path):
    console = Console(file=io.StringIO(), width=200)
    report = open_report(tmp_path / "r.json")
    reporter = Reporter(console, quiet=False, check=True, report=report, total=2)
    reporter.add(result_for(DIRTY, "a.txt"))
    reporter.add(result_for(CLEAN, "b.txt"))
    summary = reporter.finish()
    assert summary.changed == 1 and "would change a.txt" in console.file.getvalue()
    assert json.loads((tmp_path / "r.json").read_text())["totals"]["files"] == 2


# --- pipelines -------------------------------------------------------------------------

def test_stdin_filename_finds_config_and_names_reports(tmp_path):
    project = tmp_path / "project"
    (project / "web").mkdir(parents=True)
    (project / "cleaner.toml").write_text("max-blank-lines = -1\n")
    text = "a\n\n\n\nb\n".encode()
    result = invoke("clean", "-", "--stdin-filename", str(project / "web" / "page.txt"), "--quiet", input=text)
    assert result.exit_code == 0 and result.stdout_bytes == text  # blank lines kept by that config
    result = invoke("clean", "-", "--quiet", input=text)
    assert result.stdout_bytes == "a\n\nb\n".encode()  # defaults without it
    report = tmp_path / "r.json"
    result = invoke("clean", "-", "--stdin-filename", "web/page.txt", "--diff", "--report", str(report),
                    input=DIRTY)
    assert "+++ b/web/page.txt" in result.stdout
    assert json.loads(report.read_text())["files"][0]["path"] == "web/page.txt"


def _run(*args, input=None, env=None):
    return subprocess.run([sys.executable, "-m", "cleaner", *args], input=input, capture_output=True,
                          cwd=ROOT, timeout=120, env=env)


def test_subprocess_pipeline_data_only_on_stdout(tmp_path):
    report = tmp_path / "r.json"
    proc = _run("clean", "-", "--report", str(report), input=DIRTY)
    assert proc.returncode == 0 and proc.stdout == CLEAN
    assert b"\x1b[" not in proc.stderr and b"changed" in proc.stderr
    assert json.loads(report.read_text())["totals"]["changed"] == 1
    if shutil.which("wc"):
        pipeline = subprocess.run(f"printf 'a\\302\\240b  \\r\\n' | '{sys.executable}' -m cleaner clean - | wc -c",
                                  shell=True, capture_output=True, cwd=ROOT, timeout=120)
        assert pipeline.stdout.strip() == b"4"


def test_html_report_for_input_cleaned_in_pieces(tmp_path):
    doc = Document(path="big.txt", encoding="utf-8", method="utf-8")  # no decoded_text kept
    doc.record("normalize", "nbsp", 7000, "a\u00a0b", "a b", "NBSP -> space")
    report = HtmlReport(tmp_path / "r.html")
    result = FileResult(Source("big.txt", "big.txt"), "changed", doc)
    report.add(result)
    summary = Summary()
    summary.add(result)
    report.finish(summary)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert '<td class="n">7000</td>' in page and 'data-kind="nbsp"' in page


@pytest.mark.skipif(sys.platform != "linux", reason="file names of any bytes")
def test_a_file_name_that_is_not_utf8_is_shown_with_byte_escapes(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    with open(bytes(folder) + b"/a\xff.txt", "wb") as handle:
        handle.write("a\u00a0b\n".encode())
    report = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["clean", str(folder), "--diff", "--no-cache", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "a\\xff.txt" in result.stdout  # the diff's header
    data = report.read_bytes().decode("utf-8")  # strict: no lone surrogate escaped into it
    assert "\\udcff" not in data and json.loads(data)["files"][0]["path"].endswith("a\\xff.txt")


def test_a_report_over_an_input_or_an_output_is_refused(tmp_path):
    page = tmp_path / "in" / "page.json"
    page.parent.mkdir()
    page.write_text("a\u00a0b\n", encoding="utf-8")
    (tmp_path / "out").mkdir()
    for args in (["--check", "--report", str(page)],
                 ["-o", str(tmp_path / "out"), "--report", str(tmp_path / "out" / "page.json")]):
        result = CliRunner().invoke(app, ["clean", str(page), "--no-cache", *args])
        assert result.exit_code == 2 and "is one of the inputs or outputs" in result.stderr
    assert page.read_text(encoding="utf-8") == "a\u00a0b\n"
    assert not list((tmp_path / "out").iterdir())
