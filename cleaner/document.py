"""The document that flows through the pipeline, and the changes stages record.

Every stage edits ``Document.text`` and appends a :class:`Change` for each
edit; the summary, diffs and JSON/HTML reports are all built from those
records.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Change:
    stage: str  # "decode", "repair", "chrome", "normalize"
    kind: str  # short label: "mojibake", "nbsp", "chrome", ...
    line: int | None  # 1-based line in the text the stage saw; None: whole document
    before: str
    after: str
    reason: str
    rule: str | None = None  # chrome rule id
    confidence: float | None = None  # lossy restoration confidence
    end_line: int | None = None  # last line of a multi-line change

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None or k in ("line",)}


@dataclass
class Document:
    path: str | None = None
    raw: bytes | None = None
    text: str = ""
    encoding: str | None = None
    confidence: float = 1.0
    method: str = ""  # how the encoding was decided: "bom", "utf-8", "chardet", ...
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    decoded_text: str | None = None  # text right after decoding, before any repair
    # the last text encoded, and its bytes (asked for several times per file)
    _encoded: tuple[str, bytes] | None = field(default=None, init=False, repr=False, compare=False)

    def record(self, stage: str, kind: str, line: int | None, before: str, after: str,
               reason: str, **extra) -> None:
        self.changes.append(Change(stage, kind, line, before, after, reason, **extra))

    def replace_text(self, new_text: str, stage: str, kind: str, reason: str, **extra) -> bool:
        """Set ``text`` to ``new_text`` and record one change per edited line
        run. Returns whether anything changed."""
        if new_text == self.text:
            return False
        for line, before, after in line_edits(self.text, new_text):
            self.record(stage, kind, line, before, after, reason, **extra)
        self.text = new_text
        return True

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_encoded", None)  # not sent to another process a second time
        return state

    @property
    def output_bytes(self) -> bytes:
        text = self.text
        if self._encoded is None or self._encoded[0] is not text:
            self._encoded = (text, text.encode("utf-8"))
        return self._encoded[1]

    @property
    def changed(self) -> bool:
        """Whether the cleaned output differs from the input bytes."""
        if self.raw is None:
            return self.decoded_text != self.text
        return self.raw != self.output_bytes


# Above this many line pairs a general diff could take quadratic time (or
# worse, with many equal lines); the cheaper alignments below are used.
MAX_DIFF_PAIRS = 250_000


def line_edits(old: str, new: str) -> list[tuple[int, str, str]]:
    """(1-based first line in ``old``, old lines, new lines) for each edited
    run of lines, joined with newlines. Linear time on large inputs."""
    old_lines = old.split("\n")
    new_lines = new.split("\n")
    if len(old_lines) == len(new_lines):
        # Common case (per-line edits): pair lines directly, no diff needed.
        return [
            (i + 1, a, b) for i, (a, b) in enumerate(zip(old_lines, new_lines)) if a != b
        ]
    # Only the part between the common first and last lines can differ.
    start = 0
    limit = min(len(old_lines), len(new_lines))
    while start < limit and old_lines[start] == new_lines[start]:
        start += 1
    end = 0
    while end < limit - start and old_lines[-1 - end] == new_lines[-1 - end]:
        end += 1
    old_mid = old_lines[start:len(old_lines) - end]
    new_mid = new_lines[start:len(new_lines) - end]
    if len(old_mid) * len(new_mid) <= MAX_DIFF_PAIRS:
        edits = _diff(old_mid, new_mid)
    else:
        edits = _deletions(old_mid, new_mid)
        if edits is None:  # not just removed lines: one edit for the span
            edits = [(0, "\n".join(old_mid), "\n".join(new_mid))]
    return [(start + line, before, after) for line, before, after in edits]


def _diff(old_lines: list[str], new_lines: list[str]) -> list[tuple[int, str, str]]:
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append((i1 + 1, "\n".join(old_lines[i1:i2]), "\n".join(new_lines[j1:j2])))
    return edits


def _deletions(old_lines: list[str], new_lines: list[str]) -> list[tuple[int, str, str]] | None:
    """The removed runs when ``new_lines`` is ``old_lines`` with some lines
    left out (blank lines collapsed, chrome removed); None otherwise."""
    edits = []
    i = 0
    for line in new_lines:
        run_start = i
        while i < len(old_lines) and old_lines[i] != line:
            i += 1
        if i == len(old_lines):
            return None
        if i > run_start:
            edits.append((run_start + 1, "\n".join(old_lines[run_start:i]), ""))
        i += 1
    if i < len(old_lines):
        edits.append((i + 1, "\n".join(old_lines[i:]), ""))
    return edits
