"""Reports built from the recorded changes: the terminal summary and
unified diffs."""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .runner import FileResult


@dataclass
class Summary:
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

    def add(self, result: FileResult) -> None:
        self.seen += 1
        setattr(self, result.status, getattr(self, result.status) + 1)
        if result.error:
            self.failures.append((result.path, result.error))
        for warning in result.warnings:
            self.warnings.append((result.path, warning))
        if result.document is not None:
            for change in result.document.changes:
                self.kinds[change.kind] += 1
                self.stages[change.stage] += 1
                if change.rule:
                    self.rules[change.rule] += 1

    def add_error(self, path: str, message: str) -> None:
        self.seen += 1
        self.failed += 1
        self.failures.append((path, message))


def print_summary(summary: Summary, console: Console, verbose: bool = False) -> None:
    line = Text()
    line.append(f"{summary.seen} file(s): ")
    line.append(f"{summary.changed} changed", style="bold yellow" if summary.changed else "")
    line.append(f", {summary.unchanged} unchanged")
    if summary.skipped:
        line.append(f", {summary.skipped} skipped")
    line.append(f", {summary.failed} failed", style="bold red" if summary.failed else "")
    console.print(line)
    if summary.kinds and (verbose or len(summary.kinds) <= 12):
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("change")
        table.add_column("count", justify="right")
        for kind, count in summary.kinds.most_common():
            table.add_row(kind, str(count))
        console.print(table)
    if summary.rules:
        top = ", ".join(f"{rule} ({count})" for rule, count in summary.rules.most_common(5))
        console.print(f"rules that removed most: {top}")


def unified_diff(result: FileResult) -> str:
    """The unified diff between the decoded input and the cleaned output."""
    doc = result.document
    if doc is None:
        return ""
    before = (doc.decoded_text or "").replace("\r\n", "\n").replace("\r", "\n")
    name = result.source.relative if result.path == "-" else result.path
    diff = difflib.unified_diff(
        before.splitlines(keepends=True), doc.text.splitlines(keepends=True),
        fromfile=f"a/{name}", tofile=f"b/{name}",
    )
    lines = []
    for line in diff:
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    if not lines and doc.changed:
        lines.append(f"# {name}: only the encoding or line endings change\n")
    return "".join(lines)


def print_diff(text: str, console: Console) -> None:
    """Colour a unified diff on a terminal; plain text otherwise."""
    for line in text.splitlines():
        style = None
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        console.print(Text(line, style=style or ""), soft_wrap=True, highlight=False)
