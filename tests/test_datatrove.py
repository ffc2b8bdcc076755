"""The datatrove step under datatrove's local executor (skipped without datatrove)."""

from __future__ import annotations

import pytest

from conftest import SAMPLES

pytest.importorskip("datatrove")

from datatrove.data import Document  # noqa: E402
from datatrove.executor import LocalPipelineExecutor  # noqa: E402

from cleaner import Config, clean_text  # noqa: E402
from cleaner.integrations.datatrove import CleanerStep  # noqa: E402


def test_local_executor_cleans_samples(tmp_path):
    paths = sorted((SAMPLES / "input").glob("*.txt"))
    originals = {p.name: p.read_bytes().decode("utf-8", "replace") for p in paths}
    originals["nbsp"] = "Quận\u00a0Hà Đông  "
    docs = [Document(text=text, id=name) for name, text in originals.items()]
    collected: list[Document] = []

    def collect(data, rank=0, world_size=1):
        for document in data:
            collected.append(document)
            yield document

    LocalPipelineExecutor(
        pipeline=[docs, CleanerStep(Config()), collect],
        tasks=1, workers=1, logging_dir=str(tmp_path / "logs"),
    ).run()
    records = {d.id: d for d in collected}
    nbsp = records["nbsp"]
    assert nbsp.text == "Quận Hà Đông"
    assert nbsp.metadata["cleaner"]["changed"] is True
    assert nbsp.metadata["cleaner"]["changes"]["nbsp"] == 1
    for name, text in originals.items():
        expected = clean_text(text, Config()).text
        if not text.endswith("\n"):
            expected = expected.removesuffix("\n")
        if expected.strip():
            assert records[name].text == expected
        else:
            assert name not in records  # left empty: dropped
