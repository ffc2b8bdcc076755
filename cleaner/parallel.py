"""Clean many inputs in worker processes, results back in input order.

Inputs are grouped in batches (by count and bytes) so each round trip to
a worker carries enough work; at most a few batches per worker are in
flight, so memory stays bounded however many files there are. Workers
ignore SIGINT: on Ctrl-C the main process cancels the batches not yet
started, lets running ones finish (each write is atomic: files are old or
new) and re-raises.
"""

from __future__ import annotations

import os
import signal
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .config import Config
from .files import STDIN, Source

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

# Small enough that Ctrl-C waits for little work (running batches finish),
# big enough that a round trip to a worker carries a useful amount.
BATCH_FILES = 16
BATCH_BYTES = 2 * 1024**2
IN_FLIGHT_PER_WORKER = 2


def worker_count(config: Config) -> int:
    if config.workers:
        return config.workers
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def batches(sources: list[Source]) -> Iterator[list[Source]]:
    batch: list[Source] = []
    size = 0
    for source in sources:
        batch.append(source)
        try:
            size += os.path.getsize(source.path)
        except OSError:
            pass
        if len(batch) >= BATCH_FILES or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _clean_batch(batch: list[Source], config: Config, mode, cache) -> list:
    from .runner import clean_source

    results = [clean_source(source, config, mode, cache) for source in batch]
    if not mode.texts:
        for result in results:
            doc = result.document
            if doc is not None:  # (what is left: encoding, method, changes, warnings)
                doc.raw, doc.text, doc.decoded_text = None, "", None
    return results


TAIL_SPLIT = 4  # the last batches go out in this many pieces each


def _finer_tail(parts: list, workers: int) -> list:
    """``parts`` with each of its last ``workers`` batches cut in smaller
    ones: at the end of a run a worker that is done waits for the others'
    last batch, so the last batches should be short."""
    if workers <= 1:
        return parts
    cut = max(len(parts) - workers, 0)
    tail: list = []
    for part in parts[cut:]:
        if isinstance(part, Source) or len(part) < 2:
            tail.append(part)
            continue
        step = -(-len(part) // TAIL_SPLIT)
        tail.extend(part[i:i + step] for i in range(0, len(part), step))
    return parts[:cut] + tail


def _is_big_jsonl(source: Source, config: Config) -> bool:
    try:
        return config.jsonl and os.path.getsize(source.path) > BATCH_BYTES
    except OSError:
        return False


def units(sources: list[Source], config: Config) -> Iterator[list[Source] | Source]:
    """Batches of inputs, and each big JSONL file on its own (its records
    are spread over the workers in chunks instead)."""
    small: list[Source] = []
    for source in sources:
        if _is_big_jsonl(source, config):
            if small:
                yield from batches(small)
                small = []
            yield source
        else:
            small.append(source)
    if small:
        yield from batches(small)


# Inputs in all from which a run builds its scans and tables up front (about
# a quarter of a second; a few files of text went the slower ways first)
WARM_BYTES = 1024**2
WARM_SAMPLES, WARM_SAMPLE_BYTES = 3, 64 * 1024  # files read for their rule sets, and how much of each


def _warm(sources: list[Source], config: Config) -> None:
    """For a big run, build up front what the stages would otherwise build
    on the way, after some text went through slower paths meant for small
    runs: the chrome rules' index and whole-text scans (a few tenths of a
    second), the mojibake pre-check's patterns, and numpy's lookup tables.
    Done before the workers fork, they inherit it."""
    total = 0
    for source in sources:
        try:
            total += os.path.getsize(source.path)
        except (OSError, ValueError):
            pass
    if total < WARM_BYTES:
        return
    from .fastpath import numpy_worth_it, warm_precheck

    numpy_worth_it(total)  # counts the run's text as looked at already
    warm_precheck()
    if config.fix_legacy:
        from .legacy.tables import syllable_counts

        syllable_counts()  # the legacy check's word counts (read from a data file)
    _warm_rules(sources, config)


def _warm_rules(sources: list[Source], config: Config) -> None:
    if not config.has_chrome_rules:
        return
    from .rules.engine import prepare, rules_for

    # The rule sets of the first files (their language, their site): a
    # corpus is mostly of one kind, and each set costs a few tenths of a
    # second here, before any worker starts.
    prepared: set = set()
    for source in sources[:WARM_SAMPLES]:
        try:
            with open(source.path, "rb") as handle:
                sample = handle.read(WARM_SAMPLE_BYTES).decode("utf-8", errors="replace")
        except (OSError, ValueError):
            continue
        rules = rules_for(config, sample, source.path)
        if rules and rules not in prepared:
            prepare(rules)
            prepared.add(rules)


def run_ordered(sources: list[Source], config: Config, mode, cache, stop=None, on_done=None) -> Iterator:
    """Yield a FileResult per source, in order. When ``stop.requested``
    becomes true (first Ctrl-C), nothing new is started; work already
    running finishes and its results are still yielded. ``on_done(results)``
    is called with the results of finished work as it finishes, which with
    worker processes is before their turn comes (a progress bar)."""
    done = on_done or (lambda results: None)
    from .runner import clean_source

    workers = worker_count(config)
    parts = list(units(sources, config))
    single = len(parts) <= 1 and not any(isinstance(p, Source) for p in parts)
    if workers <= 1 or single or any(s.path == STDIN for s in sources) or mode.stdout:
        if len(sources) > 1:
            _warm(sources, config)
        for source in sources:
            if _stopping(stop):
                return
            result = clean_source(source, config, mode, cache)
            done([result])
            yield result
        return
    parts = _finer_tail(parts, workers)  # (a run of one batch stays in this process)
    from concurrent.futures import ProcessPoolExecutor

    # Import the pipeline here, once, so that forked workers inherit it
    # rather than each importing it again; the same for compiled rules.
    from . import pipeline  # noqa: F401
    _warm(sources, config)

    pool = ProcessPoolExecutor(max_workers=workers, initializer=_ignore_sigint)
    pending: deque[Future] = deque()
    try:
        for part in parts:
            if _stopping(stop):
                break
            if isinstance(part, Source):
                while pending:  # results stay in input order
                    yield from _next_results(pending)
                result = _clean_big_jsonl(part, config, mode, pool)
                done([result])
                yield result
                continue
            future = pool.submit(_clean_batch, part, config, mode, cache)
            future.add_done_callback(_reporting(done))
            pending.append(future)
            while len(pending) >= workers * IN_FLIGHT_PER_WORKER or (pending and pending[0].done()):
                yield from _next_results(pending)
        if _stopping(stop):
            yield from _drain(pending, pool)
        while pending:
            yield from _next_results(pending)
    except KeyboardInterrupt:
        yield from _drain(pending, pool)
        raise
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


def _reporting(done):
    """A future's done-callback handing its results to ``done`` (run in the
    pool's own thread, as the batch finishes)."""
    def callback(future: Future) -> None:
        if not future.cancelled() and future.exception() is None:
            done(future.result())
    return callback


def _stopping(stop) -> bool:
    return stop is not None and stop.requested


def _drain(pending: deque[Future], pool: ProcessPoolExecutor) -> Iterator:
    """Stop: batches not started are dropped, running ones finish (their
    writes are atomic), and every finished file is reported, so the files
    not reported are really untouched."""
    for future in pending:
        future.cancel()
    pool.shutdown(wait=True, cancel_futures=True)
    while pending:
        future = pending.popleft()
        if future.done() and not future.cancelled() and future.exception() is None:
            yield from future.result()


def _next_results(pending: deque[Future]) -> list:
    """The first batch's results; it leaves ``pending`` only once done, so an
    interrupt while waiting still finds it there."""
    results = pending[0].result()
    pending.popleft()
    return results


def _clean_big_jsonl(source: Source, config: Config, mode, pool):
    from .streaming import clean_in_pieces

    return clean_in_pieces(source, config, mode, pool=pool)
