"""Train a syllable n-gram model from text, streaming: n-grams are counted
per chunk of lines with numpy and merged, so the input can be any size
(memory grows with the number of distinct n-grams, not with the text).

Estimation is interpolated modified Kneser-Ney; the higher orders are then
pruned by count so that the model stays small.
"""

from __future__ import annotations

import bz2
import datetime
import gzip
import io
import lzma
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from .model import FORMAT, FORMAT_VERSION, NgramModel, pack
from .tokens import BOS, CAPITAL, ID_BITS, LOWER, MAX_ID, MODEL_STYLE, Vocabulary, line_ids, line_ids_and_case

CHUNK_TOKENS = 2_000_000  # ids per counting chunk
MERGE_EVERY = 8  # chunks between merges of the partial counts


def open_text(path: str | Path) -> io.TextIOBase:
    """A text file, transparently decompressing .xz, .gz and .bz2."""
    path = str(path)
    opener = {".xz": lzma.open, ".gz": gzip.open, ".bz2": bz2.open}.get(Path(path).suffix, open)
    return opener(path, "rt", encoding="utf-8", errors="replace")


class NgramCounter:
    """Counts of every n-gram up to ``order`` over lines of ids."""

    def __init__(self, order: int):
        self.order = order
        self.parts: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {n: [] for n in range(1, order + 1)}
        self._buffer: list[int] = []
        self._line_of: list[int] = []
        self._lines = 0
        self._chunks = 0
        self.tokens = 0

    def add(self, ids: list[int]) -> None:
        self._buffer.extend(ids)
        self._line_of.extend([self._lines] * len(ids))
        self._lines += 1
        self.tokens += len(ids)
        if len(self._buffer) >= CHUNK_TOKENS:
            self._flush()

    def _flush(self) -> None:
        if not self._buffer:
            return
        seq = np.array(self._buffer, dtype=np.uint64)
        line = np.array(self._line_of, dtype=np.int64)
        self._buffer, self._line_of = [], []
        for n in range(1, self.order + 1):
            m = len(seq) - n + 1
            if m <= 0:
                continue
            same_line = line[:m] == line[n - 1:]
            key = pack(np.stack([seq[j:j + m] for j in range(n)], axis=1)[same_line])
            self.parts[n].append(np.unique(key, return_counts=True))
        self._chunks += 1
        if self._chunks % MERGE_EVERY == 0:
            for n in self.parts:
                self.parts[n] = [_merge(self.parts[n])]

    def counts(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Sorted keys and raw counts of order ``n``."""
        self._flush()
        self.parts[n] = [_merge(self.parts[n])]
        return self.parts[n][0]


def _merge(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    if not parts:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique, np.bincount(inverse, weights=counts, minlength=len(unique)).astype(np.int64)


def _discounts(counts: np.ndarray) -> tuple[float, float, float]:
    """Modified Kneser-Ney discounts for counts 1, 2 and 3+."""
    n1, n2, n3, n4 = (max(int(np.count_nonzero(counts == k)), 1) for k in (1, 2, 3, 4))
    y = n1 / (n1 + 2 * n2)
    d1, d2, d3 = 1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3
    return tuple(float(np.clip(d, 0.05, k)) for d, k in ((d1, 1), (d2, 2), (d3, 3)))


def estimate(counter: NgramCounter, vocab_size: int, cutoffs: dict[int, int]) -> tuple:
    """Interpolated modified Kneser-Ney probabilities and backoff weights
    (log10) for every order, then pruned: an n-gram seen fewer than
    ``cutoffs[n]`` times is dropped (its probability comes from backoff)."""
    order = counter.order
    shift = np.uint64(ID_BITS)
    raw = {n: counter.counts(n) for n in range(1, order + 1)}
    # Kneser-Ney counts: below the top order, the number of distinct words
    # seen before the n-gram; n-grams that start a line keep their raw count.
    kn = {order: raw[order][1].astype(np.float64)}
    for n in range(1, order):
        keys, counts = raw[n]
        longer = raw[n + 1][0]
        suffix = longer & np.uint64((1 << (ID_BITS * n)) - 1)
        uniq, cont = np.unique(suffix, return_counts=True)
        index = np.searchsorted(uniq, keys)
        index = np.minimum(index, max(len(uniq) - 1, 0))
        has = (uniq[index] == keys) if len(uniq) else np.zeros(len(keys), bool)
        kn[n] = np.where(has, cont[index] if len(uniq) else 0, counts).astype(np.float64)

    # unigrams: KN counts smoothed with a uniform share
    keys1, _ = raw[1]
    p1 = np.full(vocab_size, 0.0)
    p1[keys1.astype(np.int64)] = kn[1]
    p1 = (p1 + 0.1) / (p1.sum() + 0.1 * vocab_size)
    p1[BOS] = 1.0 / (p1.sum() * 100)  # never predicted
    prob = {1: p1}
    bow = {1: np.zeros(vocab_size)}
    for n in range(2, order + 1):
        keys = raw[n][0]
        c = kn[n]
        d1, d2, d3 = _discounts(c)
        discount = np.where(c >= 3, d3, np.where(c >= 2, d2, d1))
        discount = np.minimum(discount, c)
        context = keys >> shift
        ctx, inverse = np.unique(context, return_inverse=True)
        total = np.bincount(inverse, weights=c, minlength=len(ctx))
        mass = np.bincount(inverse, weights=discount, minlength=len(ctx))
        gamma = mass / total
        suffix = keys & np.uint64((1 << (ID_BITS * (n - 1))) - 1)
        if n == 2:
            lower = prob[1][suffix.astype(np.int64)]
        else:
            lower = prob[n - 1][np.searchsorted(raw[n - 1][0], suffix)]
        prob[n] = (c - discount) / total[inverse] + gamma[inverse] * lower
        if n == 2:
            bow[1][ctx.astype(np.int64)] = gamma
        else:
            b = np.ones(len(raw[n - 1][0]))
            b[np.searchsorted(raw[n - 1][0], ctx)] = gamma
            bow[n - 1] = b
    keep = {n: raw[n][1] >= cutoffs.get(n, 1) for n in range(2, order + 1)}
    keys = {n: raw[n][0][keep[n]] for n in keep}
    logp = {n: np.log10(prob[n][keep[n]]) for n in keep}
    bows = {n: np.log10(np.maximum(bow[n][keep[n]], 1e-12)) for n in range(2, order)}
    with np.errstate(divide="ignore"):
        return np.log10(prob[1]), np.log10(np.maximum(bow[1], 1e-12)), keys, logp, bows


def train(
    corpus_lines: Iterable[str],
    *,
    order: int = 4,
    lexicon_lines: Iterable[str] = (),
    cutoffs: dict[int, int] | None = None,
    sources: list[str] | None = None,
    license: str = "unknown",
    attribution: str = "",
    notices: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> NgramModel:
    """A model from lines of running text plus an optional word list (one
    word per line, syllables separated by spaces: counted without line
    boundaries so that it only adds word-internal n-grams)."""
    if not 2 <= order <= 4:
        raise ValueError("order must be 2, 3 or 4 (16-bit ids in 64-bit keys)")
    cutoffs = cutoffs or {n: 1 for n in range(2, order + 1)}
    vocab = Vocabulary()
    counter = NgramCounter(order)
    case_counts = CaseCounter()
    lines = 0
    for line in corpus_lines:
        ids, cases = line_ids_and_case(line, vocab)
        if len(ids) > 2:
            counter.add(ids)
            case_counts.add(ids, cases)
        lines += 1
        if progress and lines % 1000 == 0:
            progress(1000)
    for entry in lexicon_lines:
        ids = line_ids(entry, vocab, grow=True, bounds=False)
        if ids:
            counter.add(ids)
    logp1, bow1, keys, logp, bow = estimate(counter, len(vocab), cutoffs)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "order": order,
        "vocabulary": len(vocab),
        "ngrams": {str(n): int(len(k)) for n, k in keys.items()} | {"1": len(vocab)},
        "cutoffs": {str(n): c for n, c in cutoffs.items()},
        "training_tokens": int(counter.tokens),
        "training_lines": lines,
        "training_data": sources or [],
        "license": license,
        "attribution": attribution,
        "notices": notices or [],
        "tone_style": MODEL_STYLE,
        "smoothing": "interpolated modified Kneser-Ney, count-pruned",
        "created": datetime.date.today().isoformat(),
    }
    return NgramModel.from_orders(meta, vocab, logp1.astype(np.float32), bow1.astype(np.float32),
                                  keys, logp, bow, case_counts.shares(len(vocab)),
                                  *case_counts.pair_shares(vocab))


class CaseCounter:
    """How often each syllable is capitalized inside a sentence, after a
    lowercase and after a capitalized word (names run in capitals)."""

    def __init__(self):
        self.counts = np.zeros((2, 2, MAX_ID + 1), dtype=np.int64)  # after, capital?, id
        self.pairs: list[tuple[np.ndarray, np.ndarray]] = []  # (previous id, id) keys, capitals
        self._ids: list[int] = []
        self._cases: list[int] = []

    def add(self, ids: list[int], cases: list[int]) -> None:
        self._ids.extend(ids)
        self._cases.extend(cases)
        if len(self._ids) >= CHUNK_TOKENS:
            self._flush()

    def _flush(self) -> None:
        if not self._ids:
            return
        ids = np.array(self._ids)
        cases = np.array(self._cases)
        self._ids, self._cases = [], []
        prev = np.concatenate([[-1], cases[:-1]])
        word = (cases == LOWER) | (cases == CAPITAL)
        np.add.at(self.counts, ((prev[word] == CAPITAL).astype(int), (cases[word] == CAPITAL).astype(int),
                                ids[word]), 1)
        # per word pair: "Quận ủy" but "Ủy ban"
        prev_ids = np.concatenate([[0], ids[:-1]])
        keys = (prev_ids[word].astype(np.uint64) << np.uint64(ID_BITS)) | ids[word].astype(np.uint64)
        capital = (cases[word] == CAPITAL).astype(np.int64)
        unique, inverse = np.unique(keys, return_inverse=True)
        self.pairs.append((np.concatenate([unique, unique]), np.concatenate([
            np.bincount(inverse, minlength=len(unique)),
            -np.bincount(inverse, weights=capital, minlength=len(unique)).astype(np.int64) - 1])))

    def shares(self, size: int) -> np.ndarray:
        self._flush()
        counts = self.counts[:, :, :size]
        total = counts.sum(axis=1)
        return np.rint(255 * counts[:, 1] / np.maximum(total, 1)).astype(np.uint8)

    def pair_shares(self, vocab: Vocabulary, min_count: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """Sorted (previous id, id) keys of pairs seen ``min_count`` times whose
        second word starts with a non-ASCII letter (the ones whose capital
        can be hidden), and the capitalized share x 255."""
        self._flush()
        totals: dict = {}
        if self.pairs:
            keys = np.concatenate([k for k, _ in self.pairs])
            values = np.concatenate([v for _, v in self.pairs])
            # values >= 0 are occurrence counts, values < 0 encode -(capitals) - 1
            unique, inverse = np.unique(keys, return_inverse=True)
            seen = np.bincount(inverse, weights=np.where(values >= 0, values, 0), minlength=len(unique))
            caps = np.bincount(inverse, weights=np.where(values < 0, -values - 1, 0), minlength=len(unique))
            word = (unique & np.uint64((1 << ID_BITS) - 1)).astype(np.int64)
            hidden = np.array([not w[:1].isascii() for w in vocab.words])[word]
            keep = (seen >= min_count) & hidden
            return unique[keep], np.rint(255 * caps[keep] / seen[keep]).astype(np.uint8)
        return np.zeros(0, np.uint64), np.zeros(0, np.uint8)


def iter_lines(paths: Iterable[str | Path]) -> Iterator[str]:
    for path in paths:
        with open_text(path) as handle:
            yield from handle
