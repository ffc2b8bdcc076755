"""A datatrove pipeline step running cleaner on each Document's text.

``pip install 'cleaner[datatrove]'``. The same cleaning then runs under
datatrove's Local, Slurm or Ray executors::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from cleaner.integrations.datatrove import CleanerStep

    LocalPipelineExecutor(pipeline=[
        JsonlReader("raw/"), CleanerStep(), JsonlWriter("clean/"),
    ], tasks=8).run()

Each document's metadata gets a ``cleaner`` entry: whether it changed,
the count of changes per kind, and the warnings. Documents left with no
text are dropped (``drop_empty``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from datatrove.pipeline.base import PipelineStep

from ..config import Config, load_config
from ..jsonl import value_text
from ..pipeline import clean_text


class CleanerStep(PipelineStep):
    name = "🧹 cleaner"
    type = "✂️ - FORMAT"

    def __init__(self, config: Config | None = None, config_file: str | None = None,
                 drop_empty: bool = True, metadata_key: str = "cleaner"):
        super().__init__()
        # A Config is small and picklable: it travels to Slurm/Ray workers.
        self.config = config or (load_config(Path(config_file)) if config_file else Config())
        self.drop_empty = drop_empty
        self.metadata_key = metadata_key

    def clean(self, text: str) -> tuple[str, dict]:
        doc = clean_text(text, self.config)
        cleaned = value_text(text, doc, self.config)
        kinds = Counter(change.kind for change in doc.changes)
        info = {"changed": cleaned != text, "changes": dict(kinds), "warnings": list(doc.warnings)}
        return cleaned, info

    def run(self, data, rank: int = 0, world_size: int = 1):
        for document in data:
            self.stat_update("total")
            with self.track_time():
                cleaned, info = self.clean(document.text)
            document.text = cleaned
            document.metadata[self.metadata_key] = info
            if info["changed"]:
                self.stat_update("changed")
            for kind, count in info["changes"].items():
                self.stat_update(f"change:{kind}", value=count)
            if self.drop_empty and not cleaned.strip():
                self.stat_update("dropped_empty")
                continue
            self.update_doc_stats(document)
            yield document
