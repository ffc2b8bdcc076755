"""Read the documents (in worker processes when asked) and count their lines.

Each document goes through the pipeline stages that run before chrome
removal (decode, repairs), so lines are learned in the form the chrome
rules will later see. Batches are merged in input order, so the result
does not depend on the number of workers.
"""

from __future__ import annotations

import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from itertools import islice

from .. import pipeline
from ..config import Config
from ..document import Document
from ..errors import CleanerError
from .count import SiteTally, Tally, count_document
from .sources import Item

BATCH_SIZE = 64


def prepared_text(item: Item, config: Config) -> str:
    """The item's text as the chrome stage would see it."""
    if item.text is None:
        with open(item.path, "rb") as handle:
            data = handle.read(config.max_file_size + 1)
        if len(data) > config.max_file_size:
            raise CleanerError("over the max_file_size limit")
        doc = Document(path=item.path, raw=data)
    else:
        doc = Document(path=item.name, text=item.text)
    for name, stage in pipeline.STAGES:
        if name == "chrome":
            break
        stage(doc, config)
    return doc.text


def count_batch(items: list[Item], config: Config) -> tuple[dict[str, SiteTally], list[tuple[str, str]]]:
    sites: dict[str, SiteTally] = {}
    failures = []
    for item in items:
        try:
            text = prepared_text(item, config)
        except (CleanerError, OSError, UnicodeError) as exc:
            failures.append((item.name, str(exc) or type(exc).__name__))
            continue
        count_document(text, sites.setdefault(item.site, SiteTally()))
    return sites, failures


def _ignore_sigint() -> None:
    # Ctrl-C goes to the main process, which stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _batches(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def analyse(items: Iterable[Item], config: Config, workers: int = 1, max_keys: int = 400_000,
            on_batch: Callable[[int], None] | None = None,
            failures: list[tuple[str, str]] | None = None) -> Tally:
    """Count every document's lines per site. ``on_batch(n)`` is called
    after each batch of ``n`` documents (for a progress bar)."""
    tally = Tally(max_keys)
    failures = failures if failures is not None else []

    def take(result: tuple[dict[str, SiteTally], list], size: int) -> None:
        counts, failed = result
        tally.add(counts)
        failures.extend(failed)
        if on_batch:
            on_batch(size)

    if workers <= 1:
        for batch in _batches(items, BATCH_SIZE):
            take(count_batch(batch, config), len(batch))
        return tally
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
    pending: deque = deque()
    try:
        for batch in _batches(items, BATCH_SIZE):
            pending.append((pool.submit(count_batch, batch, config), len(batch)))
            if len(pending) >= 3 * workers:  # bounded: the input is streamed
                future, size = pending.popleft()
                take(future.result(), size)
        while pending:
            future, size = pending.popleft()
            take(future.result(), size)
    finally:
        for future, _ in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
    return tally
