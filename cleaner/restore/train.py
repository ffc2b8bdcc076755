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

from .model import CASE_KIND_SHIFT, FORMAT, FORMAT_VERSION, NgramModel, case_context_key, pack
from .tokens import (BOS, CAPITAL, EOS, ID_BITS, LOWER, MAX_ID, MODEL_STYLE, OTHER, SPECIALS, Vocabulary,
                     line_ids, line_ids_and_case)

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


def estimate(counter: NgramCounter, vocab_size: int, cutoffs: dict[int, int], start: int = BOS) -> tuple:
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
    p1[start] = 1.0 / (p1.sum() * 100)  # never predicted
    prob = {1: p1}
    bow = {1: np.ones(vocab_size)}  # 1 (log10 0) where a word is never a context
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


def topic_vectors(lines: list[np.ndarray], size: int, window: int, dims: int,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Word and context vectors (``size`` x ``dims``) whose dot product
    approximates the positive PMI of two syllables occurring within
    ``window`` positions of each other on a line (context counts smoothed
    by the power 0.75): a truncated SVD, W = U sqrt(S), C = V sqrt(S)."""
    lengths = np.array([len(line) for line in lines], np.int64)
    seq = np.concatenate(lines).astype(np.int64) if lines else np.zeros(0, np.int64)
    line_of = np.repeat(np.arange(len(lines)), lengths)
    counts = np.zeros(size * size, np.float64)
    for d in range(1, window + 1):
        same = line_of[:-d] == line_of[d:]
        counts += np.bincount(seq[:-d][same] * size + seq[d:][same], minlength=size * size)
    del seq, line_of
    counts = counts.reshape(size, size)
    counts += counts.T  # both directions
    rows = counts.sum(1)
    columns = counts.sum(0) ** 0.75
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = counts * (columns.sum() / np.maximum(np.outer(rows, columns), 1e-300))
        del counts
        np.log(ratio, out=ratio, where=ratio > 0)
    ppmi = np.maximum(np.nan_to_num(ratio, nan=0.0, neginf=0.0), 0).astype(np.float32)
    del ratio
    # randomized SVD (a few power iterations)
    rng = np.random.default_rng(seed)
    basis = ppmi @ rng.standard_normal((size, dims + 20)).astype(np.float32)
    for _ in range(3):
        basis, _ = np.linalg.qr(basis)
        basis = ppmi @ (ppmi.T @ basis)
    basis, _ = np.linalg.qr(basis)
    u, s, vt = np.linalg.svd(basis.T @ ppmi, full_matrices=False)
    root = np.sqrt(s[:dims])
    return ((basis @ u)[:, :dims] * root).astype(np.float32), (vt[:dims].T * root).astype(np.float32)


def add_word_bonus(keys: dict, logp: dict, words: dict, bonus: float) -> None:
    """Add ``bonus`` to the log10 probability of each n-gram (``keys[n]``,
    ``logp[n]``) for each word of ``words`` (order -> sorted packed keys)
    that its last ids spell."""
    for n, grams in keys.items():
        for k, known in words.items():
            if k > n or not len(known):
                continue
            suffix = grams & np.uint64((1 << (ID_BITS * k)) - 1)
            at = np.minimum(np.searchsorted(known, suffix), len(known) - 1)
            logp[n] = logp[n] + bonus * (known[at] == suffix)


def reverse_keys(keys: np.ndarray, n: int) -> np.ndarray:
    """Keys of order-``n`` n-grams with their ids in reverse order."""
    mask = np.uint64((1 << ID_BITS) - 1)
    out = np.zeros(len(keys), np.uint64)
    for j in range(n):
        out = (out << np.uint64(ID_BITS)) | ((keys >> np.uint64(ID_BITS * j)) & mask)
    return out


def _align_backward(keys: dict, back: tuple) -> tuple:
    """The backward model's probabilities and backoff weights in the order
    of the forward keys (the same n-grams, written the other way round)."""
    logp1, bow1, bkeys, blogp, bbow = back
    logp, bow = {}, {}
    for n, forward in keys.items():
        reversed_keys = reverse_keys(bkeys[n], n)
        order = np.argsort(reversed_keys)
        if not np.array_equal(reversed_keys[order], forward):
            raise ValueError(f"backward {n}-grams differ from the forward ones")
        logp[n] = blogp[n][order]
        if n in bbow:
            bow[n] = bbow[n][order]
    return logp1, bow1, logp, bow


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
    backward: bool = False,
    word_bonus: float = 0.0,
    topic_window: int = 0,
    topic_dims: int = 48,
) -> NgramModel:
    """A model from lines of running text plus an optional word list (one
    word per line, syllables separated by spaces: counted without line
    boundaries so that it only adds word-internal n-grams).

    ``backward``: also estimate the right-to-left model (each word given
    the words after it) over the same n-grams; restoration averages both.

    ``word_bonus``: log10 added to every n-gram that ends with a word of the
    list of 2 to ``order`` syllables (once per such word): a log-linear
    "forms a dictionary word" feature, free at restoration time.

    ``topic_window``: also learn topic vectors (:func:`topic_vectors`) from
    the syllables that share a line within this many positions."""
    if not 2 <= order <= 4:
        raise ValueError("order must be 2, 3 or 4 (16-bit ids in 64-bit keys)")
    cutoffs = dict(cutoffs or {n: 1 for n in range(2, order + 1)})
    # a context must survive wherever its extensions do (the scorer relies on it)
    for n in range(3, order + 1):
        cutoffs[n] = max(cutoffs.get(n, 1), cutoffs.get(n - 1, 1))
    vocab = Vocabulary()
    counter = NgramCounter(order)
    back_counter = NgramCounter(order) if backward else None
    case_counts = CaseCounter()
    lines = 0
    topic_lines: list[np.ndarray] = []
    for line in corpus_lines:
        ids, cases = line_ids_and_case(line, vocab)
        if len(ids) > 2:
            counter.add(ids)
            if topic_window:
                words = np.array(ids, np.int32)
                topic_lines.append(words[words >= len(SPECIALS)])
            if back_counter:
                back_counter.add(ids[::-1])
            case_counts.add(ids, cases)
        lines += 1
        if progress and lines % 1000 == 0:
            progress(1000)
    words: dict[int, list[int]] = {n: [] for n in range(2, order + 1)}
    for entry in lexicon_lines:
        ids = line_ids(entry, vocab, grow=True, bounds=False)
        if ids:
            counter.add(ids)
            if back_counter:
                back_counter.add(ids[::-1])
            if len(ids) in words and len(ids) == len(entry.split()) and min(ids) >= len(SPECIALS):
                words[len(ids)].append(int(pack(np.array([ids]))[0]))
    logp1, bow1, keys, logp, bow = estimate(counter, len(vocab), cutoffs)
    if word_bonus:
        add_word_bonus(keys, logp, {n: np.unique(np.array(k, np.uint64)) for n, k in words.items()},
                       word_bonus)
    tokens = counter.tokens
    del counter
    back = None
    if back_counter:
        back = _align_backward(keys, estimate(back_counter, len(vocab), cutoffs, start=EOS))
        del back_counter
    topic = topic_vectors(topic_lines, len(vocab), topic_window, topic_dims) if topic_window else None
    del topic_lines
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "order": order,
        "vocabulary": len(vocab),
        "ngrams": {str(n): int(len(k)) for n, k in keys.items()} | {"1": len(vocab)},
        "cutoffs": {str(n): c for n, c in cutoffs.items()},
        "training_tokens": int(tokens),
        "training_lines": lines,
        "training_data": sources or [],
        "license": license,
        "attribution": attribution,
        "notices": notices or [],
        "tone_style": MODEL_STYLE,
        "smoothing": "interpolated modified Kneser-Ney, count-pruned",
        "directions": ["forward", "backward"] if back else ["forward"],
        "case_contexts": True,
        "word_bonus": word_bonus,
        **({"topic": {"window": topic_window, "dims": topic_dims}} if topic is not None else {}),
        "created": datetime.date.today().isoformat(),
    }
    return NgramModel.from_orders(meta, vocab, logp1.astype(np.float32), bow1.astype(np.float32),
                                  keys, logp, bow, case_counts.shares(len(vocab)),
                                  *case_counts.pair_shares(vocab), backward=back, topic=topic)


class CaseCounter:
    """How often each syllable is capitalized inside a sentence, after a
    lowercase and after a capitalized word (names run in capitals)."""

    def __init__(self):
        self.counts = np.zeros((2, 2, MAX_ID + 1), dtype=np.int64)  # after, capital?, id
        self.pairs: list[tuple[np.ndarray, np.ndarray]] = []  # context keys, (uses, capitals)
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
        # per neighbour: "Quận ủy" but "Ủy ban"; "Trường Đại học" but
        # "vùng đại dương"; "Đồng Tháp" but "đồng bằng". Keys: see CASE_*.
        prev_ids = np.concatenate([[0], ids[:-1]]).astype(np.uint64)
        next_ids = np.concatenate([ids[1:], [0]]).astype(np.uint64)
        next_cases = np.concatenate([cases[1:], [OTHER]])
        here = ids.astype(np.uint64)
        keys = np.concatenate([
            case_context_key(0, prev == CAPITAL, prev_ids, here)[word],
            case_context_key(1, next_cases == CAPITAL, here, next_ids)[word]])
        capital = np.tile((cases[word] == CAPITAL).astype(np.int64), 2)
        unique, inverse = np.unique(keys, return_inverse=True)
        self.pairs.append((unique, np.stack([np.bincount(inverse, minlength=len(unique)),
                                             np.bincount(inverse, weights=capital, minlength=len(unique))])))

    def shares(self, size: int) -> np.ndarray:
        self._flush()
        counts = self.counts[:, :, :size]
        total = counts.sum(axis=1)
        return np.rint(255 * counts[:, 1] / np.maximum(total, 1)).astype(np.uint8)

    def pair_shares(self, vocab: Vocabulary, min_count: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sorted context keys (:func:`case_context_key`) seen ``min_count``
        times whose word starts with a non-ASCII letter (the ones whose
        capital can be hidden), the capitalized share x 255 and the number
        of uses (up to 255)."""
        self._flush()
        if not self.pairs:
            return np.zeros(0, np.uint64), np.zeros(0, np.uint8), np.zeros(0, np.uint8)
        keys = np.concatenate([k for k, _ in self.pairs])
        values = np.concatenate([v for _, v in self.pairs], axis=1)
        self.pairs = []
        unique, inverse = np.unique(keys, return_inverse=True)
        seen = np.bincount(inverse, weights=values[0], minlength=len(unique))
        caps = np.bincount(inverse, weights=values[1], minlength=len(unique))
        mask = np.uint64((1 << ID_BITS) - 1)
        kind = (unique >> np.uint64(CASE_KIND_SHIFT)).astype(np.int64)
        word = np.where(kind == 0, unique & mask, (unique >> np.uint64(ID_BITS)) & mask).astype(np.int64)
        hidden = np.array([not w[:1].isascii() for w in vocab.words])[word]
        keep = (seen >= min_count) & hidden
        return (unique[keep], np.rint(255 * caps[keep] / seen[keep]).astype(np.uint8),
                np.minimum(seen[keep], 255).astype(np.uint8))


def iter_lines(paths: Iterable[str | Path]) -> Iterator[str]:
    for path in paths:
        with open_text(path) as handle:
            yield from handle
