"""The ``--report FILE.json`` writer: schema ``cleaner-report/1``.

Written streaming: the header, then one file record at a time as results
arrive, then the totals, so memory does not grow with the number of files.
The schema is described in README.md ("JSON report").
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import __version__
from .report import StreamingFile, Summary, error_record, file_record
from .runner import FileResult

SCHEMA = "cleaner-report/1"


def _dumps(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:  # lone surrogates: \\uXXXX escapes keep the JSON valid
        return json.dumps(value, ensure_ascii=True)


class JsonReport:
    def __init__(self, path: Path) -> None:
        self._out = StreamingFile(path)
        self._count = 0
        created = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        self._out.write(
            "{" + f'"schema": {_dumps(SCHEMA)}, "cleaner": {_dumps(__version__)}, '
            f'"created": {_dumps(created)},\n"files": ['
        )

    def _record(self, record: dict[str, Any]) -> None:
        self._out.write(("\n" if self._count == 0 else ",\n") + _dumps(record))
        self._count += 1

    def add(self, result: FileResult) -> None:
        self._record(file_record(result))

    def add_error(self, path: str, message: str) -> None:
        self._record(error_record(path, message))

    def finish(self, summary: Summary) -> None:
        self._out.write(("\n" if self._count else "") + '],\n"totals": ' + _dumps(summary.totals()) + "}\n")
        self._out.commit()

    def abort(self) -> None:
        self._out.discard()
