"""Reports built from the recorded changes: the terminal summary, unified
diffs, the progress bar policy, and the JSON / HTML report files
(:mod:`cleaner.report_json`, :mod:`cleaner.report_html`).

Everything here consumes a stream of :class:`~cleaner.runner.FileResult`
one at a time and keeps only counters, so a 10,000-file run never holds
every diff in memory.
"""

from __future__ import annotations

import difflib
import os
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .document import Change
from .files import new_file_mode
from .runner import FileResult

COLOR_CHOICES = ("auto", "always", "never")
# Runs with at least this many inputs get a progress bar (when allowed).
PROGRESS_MIN_FILES = 20
REPORT_SUFFIXES = (".json", ".html", ".htm")


def display_name(result: FileResult) -> str:
    """The path shown to users; stdin is shown by its --stdin-filename."""
    return shown_path(result.source.relative if result.path == "-" else result.path)


def shown_path(path: str | None) -> str | None:
    """``path`` as text anyone can read: a byte of a file name that is not
    UTF-8 (held as a lone surrogate, which JSON readers and terminals
    refuse) is written ``\\xff``, as Python writes bytes."""
    if path is None or path.isascii() or not any("\udc80" <= ch <= "\udcff" for ch in path):
        return path
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def is_unresolved(change: Change) -> bool:
    """Lossy damage the restorer could not fix ("lossy-unresolved", ...)."""
    return "unresolved" in change.kind


def is_safety_cap_warning(warning: str) -> bool:
    return "safety cap" in warning.lower()


def is_unresolved_warning(warning: str) -> bool:
    return "unresolved" in warning.lower()


@dataclass
class Summary:
    """Running totals over a stream of results: counters and a few paths,
    never the texts."""

    seen: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    skipped: int = 0
    kinds: Counter = field(default_factory=Counter)
    stages: Counter = field(default_factory=Counter)
    rules: Counter = field(default_factory=Counter)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    safety_capped: list[str] = field(default_factory=list)  # paths
    unresolved: Counter = field(default_factory=Counter)  # path -> spots left

    def add(self, result: FileResult) -> None:
        self.seen += 1
        if result.status in ("changed", "unchanged", "failed", "skipped"):
            setattr(self, result.status, getattr(self, result.status) + 1)
        else:  # a status this module does not know yet: count it as skipped
            self.skipped += 1
        name = display_name(result)
        if result.error:
            self.failures.append((name, result.error))
        for warning in result.warnings:
            self.warnings.append((name, warning))
            if is_safety_cap_warning(warning) and name not in self.safety_capped:
                self.safety_capped.append(name)
            if is_unresolved_warning(warning) and name not in self.unresolved:
                self.unresolved[name] += 1
        if result.document is not None:
            for change in result.document.changes:
                self.kinds[change.kind] += 1
                self.stages[change.stage] += 1
                if change.rule:
                    self.rules[change.rule] += 1
                if is_unresolved(change):
                    self.unresolved[name] += 1

    def add_error(self, path: str, message: str) -> None:
        self.seen += 1
        self.failed += 1
        self.failures.append((path, message))

    @property
    def changes(self) -> int:
        return sum(self.kinds.values())

    def totals(self) -> dict[str, Any]:
        """The JSON report's ``totals`` object."""
        return {
            "files": self.seen,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "failed": self.failed,
            "changes": self.changes,
            "kinds": dict(self.kinds.most_common()),
            "stages": dict(self.stages.most_common()),
            "rules": dict(self.rules.most_common()),
            "safety_cap": list(self.safety_capped),
            "unresolved": dict(self.unresolved.most_common()),
        }


def _counter_table(title: str, counter: Counter, limit: int | None) -> Table:
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column(title)
    table.add_column("count", justify="right")
    rows = counter.most_common(limit)
    for key, count in rows:
        table.add_row(str(key), str(count))
    if limit and len(counter) > limit:
        table.add_row(f"… {len(counter) - limit} more", "")
    return table


def print_summary(summary: Summary, console: Console, verbose: bool = False) -> None:
    """The end-of-run summary on stderr. ``verbose`` shows every kind,
    stage and rule instead of the top ones."""
    line = Text()
    line.append(f"{summary.seen} file(s): ")
    line.append(f"{summary.changed} changed", style="bold yellow" if summary.changed else "")
    line.append(f", {summary.unchanged} unchanged")
    line.append(f", {summary.skipped} skipped")
    line.append(f", {summary.failed} failed", style="bold red" if summary.failed else "")
    if summary.changes:
        line.append(f"; {summary.changes} change(s)")
    console.print(line)
    limit = None if verbose else 8
    if summary.kinds:
        console.print(_counter_table("change kind", summary.kinds, limit))
    if summary.stages and (verbose or len(summary.stages) > 1):
        console.print(_counter_table("stage", summary.stages, limit))
    if summary.rules:
        top = ", ".join(f"{rule} ({count})" for rule, count in summary.rules.most_common(limit or 5))
        console.print(Text(f"rules that removed most: {top}"))
    if summary.safety_capped:
        shown = summary.safety_capped if verbose else summary.safety_capped[:5]
        more = len(summary.safety_capped) - len(shown)
        console.print(Text(
            f"hit the chrome safety cap ({len(summary.safety_capped)}): " + ", ".join(shown)
            + (f", … {more} more" if more else ""), style="yellow"))
    if summary.unresolved:
        items = summary.unresolved.most_common(None if verbose else 5)
        more = len(summary.unresolved) - len(items)
        console.print(Text(
            f"unresolved lossy damage in {len(summary.unresolved)} file(s): "
            + ", ".join(f"{path} ({count})" for path, count in items)
            + (f", … {more} more" if more else ""), style="yellow"))


# --- colour and progress policy ------------------------------------------

def _env_set(env: dict, name: str) -> bool:
    return bool(env.get(name, ""))


def use_color(color: str, stream: IO | None = None, env: dict | None = None) -> bool:
    """Whether to colour output to ``stream``: ``--color`` wins, then
    NO_COLOR, then FORCE_COLOR, then whether the stream is a terminal."""
    env = os.environ if env is None else env
    if color == "never":
        return False
    if color == "always":
        return True
    if _env_set(env, "NO_COLOR"):
        return False
    if _env_set(env, "FORCE_COLOR"):
        return True
    return _isatty(stream)


def console_options(color: str, stream: IO | None = None, env: dict | None = None) -> dict:
    """rich Console keyword arguments for ``--color`` (NO_COLOR and
    FORCE_COLOR respected) on ``stream``."""
    env = os.environ if env is None else env
    if color == "never" or (color == "auto" and _env_set(env, "NO_COLOR")):
        return {"no_color": True, "color_system": None}
    if color == "always" or (color == "auto" and _env_set(env, "FORCE_COLOR")):
        return {"force_terminal": True, "no_color": False}
    return {}


def _isatty(stream: IO | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def progress_enabled(stream: IO | None = None, env: dict | None = None, quiet: bool = False) -> bool:
    """A progress bar only for a person watching: stderr is a terminal, not
    under pre-commit or CI, not with NO_COLOR or TERM=dumb, not --quiet."""
    env = os.environ if env is None else env
    stream = sys.stderr if stream is None else stream
    if quiet or not _isatty(stream):
        return False
    if any(_env_set(env, name) for name in ("PRE_COMMIT", "CI", "NO_COLOR")):
        return False
    return env.get("TERM", "") != "dumb"


class ProgressBar:
    """A rich progress bar on stderr, or nothing when not allowed."""

    def __init__(self, console: Console, total: int | None, enabled: bool) -> None:
        self._progress = None
        self._lock = threading.Lock()
        self.console = console
        if enabled and (total is None or total >= PROGRESS_MIN_FILES):
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("cleaning"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                TextColumn("{task.fields[rate]}"),
                console=console, transient=True,
            )
            self._task = self._progress.add_task("clean", total=total, rate="")
            self._bytes = 0
            self._progress.start()

    def advance(self, size: int = 0, files: int = 1) -> None:
        if self._progress is not None:
            self._bytes += size
            task = self._progress.tasks[0]
            elapsed = task.elapsed or 0
            rate = (f"{(task.completed + files) / elapsed:.0f} files/s {self._bytes / 1e6 / elapsed:.1f} MB/s"
                    if elapsed > 0.5 else "")
            self._progress.update(self._task, advance=files, rate=rate)

    def finished(self, results) -> None:
        """Count ``results`` as done (called as work finishes, possibly from
        a worker pool's thread: rich's Progress takes a lock)."""
        with self._lock:
            self.advance(sum(getattr(r, "size", None) or 0 for r in results), len(results))

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


# --- diffs -----------------------------------------------------------------

def before_text(result: FileResult) -> str:
    """The decoded input with line endings made LF, as diffs show it."""
    doc = result.document
    return (doc.decoded_text or "").replace("\r\n", "\n").replace("\r", "\n") if doc else ""


def split_lines(text: str, keepends: bool = False) -> list[str]:
    """Lines split at LF only (str.splitlines also splits at form feeds,
    U+2028 and other characters the cleaner reports as changes)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
        return [line + "\n" for line in lines] if keepends else lines
    if keepends:
        return [line + "\n" for line in lines[:-1]] + lines[-1:]
    return lines


def unified_diff(result: FileResult) -> str:
    """The unified diff between the decoded input and the cleaned output."""
    doc = result.document
    if doc is None:
        return ""
    name = display_name(result)
    diff = difflib.unified_diff(
        split_lines(before_text(result), True), split_lines(doc.text, True),
        fromfile=f"a/{name}", tofile=f"b/{name}",
    )
    lines = []
    for line in diff:
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    if not lines and doc.changed:
        lines.append(f"# {name}: only the encoding or line endings change\n")
    return "".join(lines)


def print_diff(text: str, console: Console | None = None, color: bool | None = None) -> None:
    """A unified diff on stdout: coloured by rich on a terminal (or when
    forced), byte-for-byte plain text otherwise."""
    if color is None:
        color = console is not None and console.is_terminal and not console.no_color
    if not color or console is None:
        out = sys.stdout
        # Lone surrogates (undecodable input) cannot be written as UTF-8.
        out.write(text.encode("utf-8", "backslashreplace").decode("utf-8"))
        out.flush()
        return
    for line in text.splitlines():
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        console.print(Text(line, style=style), soft_wrap=True, highlight=False)


# --- report files ----------------------------------------------------------

def change_record(change: Change) -> dict[str, Any]:
    """One change in the JSON schema; every key always present."""
    return {
        "stage": change.stage,
        "kind": change.kind,
        "line": change.line,
        "end_line": change.end_line,
        "before": change.before,
        "after": change.after,
        "reason": change.reason,
        "rule": change.rule,
        "confidence": change.confidence,
    }


def file_record(result: FileResult) -> dict[str, Any]:
    """One file in the JSON schema (``cleaner-report/1``)."""
    doc = result.document
    return {
        "path": display_name(result),
        "status": result.status,
        "changed": result.status == "changed",
        "encoding": doc.encoding if doc else None,
        "confidence": round(doc.confidence, 4) if doc and doc.confidence is not None else None,
        "method": doc.method if doc else None,
        "written": shown_path(result.written),
        "cached": bool(getattr(result, "cached", False)),
        "changes": [change_record(change) for change in doc.changes] if doc else [],
        "warnings": list(result.warnings),
        "error": result.error,
    }


def error_record(path: str, message: str) -> dict[str, Any]:
    """A file record for an input that could not even be opened."""
    return {"path": shown_path(path), "status": "failed", "changed": False, "encoding": None,
            "confidence": None, "method": None, "written": None, "cached": False, "changes": [],
            "warnings": [], "error": message}


class ReportWriter(Protocol):
    def add(self, result: FileResult) -> None: ...
    def add_error(self, path: str, message: str) -> None: ...
    def finish(self, summary: Summary) -> None: ...
    def abort(self) -> None: ...


class ReportPathError(ValueError):
    """--report names a file of a kind we cannot write."""


def open_report(path: str | Path) -> ReportWriter:
    """A streaming writer chosen by the suffix: ``.json`` or ``.html``.
    The file appears (atomically) only when :meth:`finish` is called."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ReportPathError(f"--report: {path.name}: the name must end in .json or .html")
    if not path.parent.is_dir():
        raise ReportPathError(f"--report: no such folder: {path.parent}")
    if suffix == ".json":
        from .report_json import JsonReport

        return JsonReport(path)
    from .report_html import HtmlReport

    return HtmlReport(path)


class Reporter:
    """Everything the ``clean`` command shows or records per result: messages
    on stderr, diffs on stdout, the summary, the progress bar and the report
    file. The command loop only calls :meth:`add` and :meth:`finish`."""

    def __init__(self, console: Console, stdout: Console | None = None, *, quiet: bool = False,
                 verbose: bool = False, check: bool = False, diff: bool = False,
                 in_place: bool = False, color: str = "auto", report: ReportWriter | None = None,
                 total: int | None = None) -> None:
        self.summary = Summary()
        self.console = console
        self.stdout = stdout
        self.quiet, self.verbose = quiet, verbose
        self.check, self.diff, self.in_place = check, diff, in_place
        self.diff_color = use_color(color, sys.stdout)
        self.report = report
        self.progress = ProgressBar(console, total, progress_enabled(console.file, quiet=quiet))
        # The run counts files on the bar as they finish (on_done); else add does.
        self.counts_in_add = True

    def add_error(self, path: str, message: str) -> None:
        self.summary.add_error(path, message)
        if self.report:
            self.report.add_error(path, message)
        self.console.print(f"cleaner: error: {path}: {message}", markup=False, highlight=False, soft_wrap=True)

    def add(self, result: FileResult) -> None:
        self.summary.add(result)
        if self.report:
            self.report.add(result)
        if self.counts_in_add:
            self.progress.advance(getattr(result, "size", None) or 0)
        name = display_name(result)
        out = self.console
        if result.error:
            out.print(f"cleaner: error: {name}: {result.error}", markup=False, highlight=False, soft_wrap=True)
        if not self.quiet:
            for warning in result.warnings:
                out.print(f"cleaner: warning: {name}: {warning}", markup=False, highlight=False, soft_wrap=True)
        if self.diff and result.status == "changed":
            print_diff(unified_diff(result), self.stdout, color=self.diff_color)
        elif self.check and result.status == "changed" and not self.quiet:
            out.print(f"would change {name}", markup=False, highlight=False, soft_wrap=True)
        elif self.in_place and result.written and not self.quiet:
            out.print(f"cleaned {name}", markup=False, highlight=False, soft_wrap=True)
        elif self.verbose:
            out.print(f"{result.status} {name}", markup=False, highlight=False, soft_wrap=True)

    def finish(self) -> Summary:
        self.progress.stop()
        if self.report:
            self.report.finish(self.summary)
        if not self.quiet:
            print_summary(self.summary, self.console, self.verbose)
        return self.summary

    def abort(self) -> None:
        """Stop the bar and drop the unfinished report (interrupted run)."""
        self.progress.stop()
        if self.report:
            self.report.abort()


class StreamingFile:
    """A text file written piece by piece to a temp file beside ``path`` and
    renamed into place on :meth:`commit`, so readers never see half a report."""

    def __init__(self, path: Path) -> None:
        import tempfile

        self.path = path
        fd, self._temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        # Lone surrogates (undecodable input) must not abort the report.
        self.handle = os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline="\n")

    def write(self, text: str) -> None:
        self.handle.write(text)

    def commit(self) -> None:
        self.handle.close()
        os.chmod(self._temp, new_file_mode())  # mkstemp's 0600 otherwise
        os.replace(self._temp, self.path)

    def discard(self) -> None:
        self.handle.close()
        try:
            os.unlink(self._temp)
        except OSError:
            pass
